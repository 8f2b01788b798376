"""Offline OCR behind a small interface: :class:`OcrEngine` turns an image into lines of text.

The implementation is RapidOCR (``rapidocr-onnxruntime``): PP-OCRv4 detection and recognition and
the direction classifier, ONNX models shipped inside the wheel and run by onnxruntime on the CPU —
nothing is downloaded at run time. One engine per process (:func:`get_engine`), created on first use
(about 0.2 s); reading a phone photo shrunk to 2000 px takes one to a few seconds on two cores, so
callers run it in an executor. The text read is never logged."""
from __future__ import annotations

import threading
from typing import Protocol

from PIL import Image


class OcrEngine(Protocol):
    def read(self, image: Image.Image) -> list[str]:
        """Lines of text, top to bottom."""


class RapidOcr:
    def __init__(self) -> None:
        import logging

        from rapidocr_onnxruntime import RapidOCR

        self._engine = RapidOCR()
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # it logs per call otherwise
        self._lock = threading.Lock()  # one inference at a time per engine (2 cores)

    def read(self, image: Image.Image) -> list[str]:
        import numpy as np

        with self._lock:
            result, _elapsed = self._engine(np.array(image.convert("RGB")))
        return [str(box[1]) for box in result or []]


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> OcrEngine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = RapidOcr()
        return _engine


def set_engine(engine: OcrEngine | None) -> None:
    """Use another engine (or None: the default again), e.g. a service with a bigger model."""
    global _engine
    with _engine_lock:
        _engine = engine
