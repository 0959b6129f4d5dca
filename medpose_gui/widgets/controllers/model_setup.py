"""Which model files inference uses: the first-run welcome, Inference › Models…, Set up models….

:class:`ModelSetupController` shows the dialogs (never blocking: ``open()``), stores what
was accepted in the settings and emits ``modelsChosen`` so the window can load the new
models in the background before they are needed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from medpose_gui.widgets.dialogs.messages import first_run_message
from medpose_gui.widgets.dialogs.model_setup_dialog import ModelSetupDialog
from medpose_gui.widgets.dialogs.models_dialog import ModelsDialog
from medpose_gui.widgets.settings import AppSettings, ModelSettings


class ModelSetupController(QObject):
    modelsChosen = Signal(object)  # ModelSettings, already stored in the settings

    def __init__(self, settings: AppSettings, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.settings = settings
        self._parent = dialog_parent

    def _accept(self, models: ModelSettings) -> None:
        self.settings.set_models(models)
        self.modelsChosen.emit(models)

    def first_run(self, show: bool | None = None) -> None:
        """The welcome message (``show`` None: only the first time, a QSettings flag); once
        it is closed, the setup dialog when the model files are not chosen yet."""
        if not (show if show is not None else not self.settings.first_run_done):
            return
        box = first_run_message(self._parent)
        self.settings.mark_first_run_done()
        if self.settings.models().problems():
            box.finished.connect(lambda _result: self.open_setup())

    def open_models(self, then: Callable[[], object] | None = None) -> ModelsDialog:
        """Inference › Models…; ``then`` runs after OK (e.g. the run that needed models)."""
        dialog = ModelsDialog(self.settings.models(), self._parent)

        def accepted() -> None:
            self._accept(dialog.models())
            if then is not None:
                then()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_setup(self) -> ModelSetupDialog:
        """Inference › Set up models…: OK stores the model paths and loads them."""
        dialog = ModelSetupDialog(self.settings.models(), parent=self._parent)
        dialog.accepted.connect(lambda: self._accept(dialog.models()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
