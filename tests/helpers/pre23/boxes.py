from index.boxes import span_boxes, unpack_boxes  # noqa: F401 - what the frozen catalog imports
