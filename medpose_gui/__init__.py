"""medpose-gui: review and correct casualty pose predictions, export COCO keypoints."""

__version__ = "0.1.0"
