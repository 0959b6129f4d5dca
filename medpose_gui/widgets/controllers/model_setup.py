"""Which models inference uses: Inference › Models… and the first run, through one dialog.

:class:`ModelSetupController` shows the Models dialog (never blocking: ``open()``), stores
what was accepted (the chosen models in the model registry, the preferences in the
settings) and emits ``modelsChosen`` with the settings as stored, so the window loads the
new models in the background before they are needed. The first run opens the same dialog
with a welcome text; model files an older version kept in its settings are offered to the
registry there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from medpose_gui.model_registry import ModelRegistryError
from medpose_gui.widgets.settings import AppSettings

if TYPE_CHECKING:
    from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog


class ModelSetupController(QObject):
    modelsChosen = Signal(object)  # ModelSettings, as stored (files resolved by the registry)
    failed = Signal(str, str)  # title, message

    def __init__(self, settings: AppSettings, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.settings = settings
        self._parent = dialog_parent

    def first_run(self, show: bool | None = None) -> ModelsDialog | None:
        """The Models dialog with the welcome text (``show`` None: only the first time, a
        QSettings flag)."""
        if not (show if show is not None else not self.settings.first_run_done):
            return None
        self.settings.mark_first_run_done()
        return self.open_models(welcome=True)

    def open_models(self, then: Callable[[], object] | None = None, *,
                    welcome: bool = False) -> ModelsDialog:
        """Inference › Models…; ``then`` runs after OK (e.g. the run that needed models)."""
        # Imported here: the dialog (downloads, file checks) is not needed to open the window.
        from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog

        dialog = ModelsDialog(self.settings.models(), self._parent,
                              registry=self.settings.registry, welcome=welcome,
                              legacy=self.settings.legacy_model_files())

        def accepted() -> None:
            try:
                self.settings.set_models(dialog.models())
            except ModelRegistryError as exc:  # e.g. the registry file cannot be written
                self.failed.emit("Models not saved", str(exc))
                return
            self.settings.forget_legacy_model_files()
            self.modelsChosen.emit(self.settings.models())
            if then is not None:
                then()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
