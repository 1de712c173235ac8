#!/usr/bin/env python3
"""SSIM of two images' luma (mean over 7x7 windows), read through libvips' command line tools.

Usage: ssim.py IMAGE REFERENCE. The images must have the same dimensions. Needs numpy.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np


def luma(path, folder, name):
    grey = os.path.join(folder, name + ".v")
    raw = os.path.join(folder, name + ".raw")
    flat = os.path.join(folder, name + "-flat.v")
    bands = int(subprocess.check_output(["vipsheader", "-f", "bands", path]).strip())
    source = path
    if bands in (2, 4):  # transparency: judge it as shown on white
        subprocess.check_call(["vips", "flatten", path, flat, "--background", "255"])
        source = flat
    subprocess.check_call(["vips", "colourspace", source, grey, "b-w"])
    subprocess.check_call(["vips", "rawsave", grey, raw])
    width = int(subprocess.check_output(["vipsheader", "-f", "width", grey]).strip())
    height = int(subprocess.check_output(["vipsheader", "-f", "height", grey]).strip())
    data = np.fromfile(raw, dtype=np.uint8)
    return data[: width * height].reshape(height, width).astype(np.float64)


def window_mean(image, size=7):
    summed = np.cumsum(np.cumsum(np.pad(image, ((1, 0), (1, 0))), axis=0), axis=1)
    total = summed[size:, size:] - summed[:-size, size:] - summed[size:, :-size] + summed[:-size, :-size]
    return total / (size * size)


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mean_a, mean_b = window_mean(a), window_mean(b)
    var_a = window_mean(a * a) - mean_a**2
    var_b = window_mean(b * b) - mean_b**2
    covariance = window_mean(a * b) - mean_a * mean_b
    index = ((2 * mean_a * mean_b + c1) * (2 * covariance + c2)) / (
        (mean_a**2 + mean_b**2 + c1) * (var_a + var_b + c2)
    )
    return float(index.mean())


with tempfile.TemporaryDirectory() as folder:
    image, reference = luma(sys.argv[1], folder, "a"), luma(sys.argv[2], folder, "b")
    if image.shape != reference.shape:
        sys.exit(f"sizes differ: {image.shape} vs {reference.shape}")
    print(f"{ssim(image, reference):.4f}")
