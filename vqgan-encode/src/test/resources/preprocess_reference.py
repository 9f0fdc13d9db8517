#!/usr/bin/env python3
"""LWM's frame preprocessing with PIL (as lwm/vision_chat.py's _process_frame does it), for the Java tests.
Usage: preprocess_reference.py IN.rgb W H SIZE OUT.f32  (IN: raw 8-bit RGB rows; OUT: size*size*3 float32)"""
import sys
import numpy as np
from PIL import Image

src, w, h, size, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
image = Image.fromarray(np.fromfile(src, dtype=np.uint8).reshape(h, w, 3), "RGB")
width, height = image.size
if width < height:
    new_width, new_height = size, int(size * height / width)
else:
    new_height, new_width = size, int(size * width / height)
image = image.resize((new_width, new_height))
box = ((new_width - size) / 2, (new_height - size) / 2, (new_width + size) / 2, (new_height + size) / 2)
image = image.crop(box)
(np.array(image, dtype=np.float32) / 127.5 - 1).astype("<f4").tofile(out)
