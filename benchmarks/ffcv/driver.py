"""FFCV 1.0 measured beside Tessera: a small server driven by benchmarks/ffcv/ffcv-driver.mjs.

It calls FFCV's public API only (DatasetWriter, the fields, Loader with its decoders and ToTensor);
FFCV itself is not part of this repository: point TESSERA_FFCV_PYTHONPATH at a source tree built
in place (benchmarks/README.md says how). One JSON command per stdin line, one JSON reply per
stdout line, so the Node side can interleave FFCV's rounds with Tessera's while FFCV's loaders
stay alive (numba compiles a loader's pipeline once; the first epoch of a loader is an untimed
warm-up, so neither compilation nor starting threads is counted).

  driver.py --versions                   -> prints {"ffcv", "ffcvModuleVersion", "ffcvPath", "numpy", "numba", "torch", "cv2", "python"}
  {"op": "hello"}                        -> the same versions
  {"op": "write-ndarray", "path", "raw", "numSamples", "shape": [3, 32, 32], "workers"}
      raw: numSamples float32 arrays of `shape` back to back, then numSamples int64 labels;
      written with NDArrayField(float32, shape) + IntField        -> {"seconds", "samples"}
  {"op": "write-images", "path", "files": [...], "labels": [...], "maxResolution", "jpegQuality", "workers"}
      RGBImageField(write_mode='jpg') + IntField, each file decoded with PIL in the writer's workers
                                                                  -> {"seconds", "samples"}
  {"op": "epoch", "path", "kind": "ndarray"|"image", "order": "random"|"quasi-random"|"sequential",
   "batchSize", "workers", "dropLast", "seed", "decoder": "random-resized-crop"|"center-crop",
   "outputSize", "cropRatio"}
      one epoch of the loader with these settings (made, and warmed up by one untimed epoch, on
      first use; kept for later epochs)  -> {"seconds", "samples", "batches", "checksum", "warmupSeconds"?}
  {"op": "first-batch-digest", ...the epoch settings...}
      sha256 of the first batch (sequential order): image bytes, then labels as int32 -> {"digest", "samples"}
  {"op": "close", ...the epoch settings...} / {"op": "quit"}

`seconds` is measured here around the work (perf_counter), not including the pipe. The checksum
reads one value of every batch (the last sample's first element and the first label), as the Node
contenders do, so no batch can go unused.
"""
import hashlib
import json
import os
import re
import sys
import time
import traceback

# Replies go to the original stdout; anything FFCV, numba or a worker prints goes to stderr.
_replies = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

import ffcv  # noqa: E402
from ffcv.fields import IntField, NDArrayField, RGBImageField  # noqa: E402
from ffcv.fields.decoders import (  # noqa: E402
    CenterCropRGBImageDecoder,
    IntDecoder,
    NDArrayDecoder,
    RandomResizedCropRGBImageDecoder,
)
from ffcv.loader import Loader, OrderOption  # noqa: E402
from ffcv.transforms import ToTensor  # noqa: E402
from ffcv.writer import DatasetWriter  # noqa: E402

ORDERS = {"random": OrderOption.RANDOM, "quasi-random": OrderOption.QUASI_RANDOM, "sequential": OrderOption.SEQUENTIAL}
LOADER_KEYS = ("path", "kind", "order", "batchSize", "workers", "dropLast", "seed", "decoder", "outputSize", "cropRatio")


def versions():
    import cv2
    import numba

    tree = os.path.dirname(os.path.dirname(os.path.abspath(ffcv.__file__)))
    return {
        # The v1.0.0 tree still says __version__ = '0.0.3rc1'; its setup.py carries the release.
        "ffcv": setup_version(tree) or getattr(ffcv, "__version__", "unknown"),
        "ffcvModuleVersion": getattr(ffcv, "__version__", "unknown"),
        "ffcvPath": tree,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "torch": torch.__version__,
        "cv2": cv2.__version__,
        "python": sys.version.split()[0],
    }


def setup_version(tree):
    """The `version='…'` of setup.py in a source tree built in place, or None."""
    try:
        with open(os.path.join(tree, "setup.py"), encoding="utf-8") as setup:
            match = re.search(r"version\s*=\s*['\"]([^'\"]+)['\"]", setup.read())
    except OSError:
        return None
    return match.group(1) if match else None


class RawNdarrays:
    """The loader benchmark's samples from Node's raw file: (float32 array, int label) by index."""

    def __init__(self, raw_path, num_samples, shape):
        element_count = int(np.prod(shape))
        data = np.memmap(raw_path, dtype="uint8", mode="r")
        image_bytes = num_samples * element_count * 4
        expected = image_bytes + num_samples * 8
        if data.shape[0] != expected:
            raise ValueError(f"{raw_path} holds {data.shape[0]} bytes, expected {expected} for {num_samples} samples")
        self.images = data[:image_bytes].view("<f4").reshape((num_samples, *shape))
        self.labels = data[image_bytes:].view("<i8")

    def __len__(self):
        return self.labels.shape[0]

    def __getitem__(self, index):
        return self.images[index], int(self.labels[index])


class ImageFiles:
    """The image benchmark's JPEG files: (RGB PIL image, label) by index, decoded in the writer's worker."""

    def __init__(self, files, labels):
        self.files = files
        self.labels = labels

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        with Image.open(self.files[index]) as image:
            return image.convert("RGB"), int(self.labels[index])


def write_ndarray(command):
    shape = tuple(command["shape"])
    dataset = RawNdarrays(command["raw"], int(command["numSamples"]), shape)
    fields = {"image": NDArrayField(shape=shape, dtype=np.dtype("float32")), "label": IntField()}
    return timed_write(command["path"], fields, dataset, int(command["workers"]))


def write_images(command):
    dataset = ImageFiles(command["files"], command["labels"])
    image = RGBImageField(write_mode="jpg", max_resolution=int(command["maxResolution"]), jpeg_quality=int(command["jpegQuality"]))
    return timed_write(command["path"], {"image": image, "label": IntField()}, dataset, int(command["workers"]))


def timed_write(path, fields, dataset, workers):
    started = time.perf_counter()
    DatasetWriter(path, fields, num_workers=workers).from_indexed_dataset(dataset)
    return {"seconds": time.perf_counter() - started, "samples": len(dataset)}


def make_loader(command, order=None):
    kind = command["kind"]
    if kind == "ndarray":
        pipelines = {"image": [NDArrayDecoder(), ToTensor()], "label": [IntDecoder(), ToTensor()]}
    elif kind == "image":
        size = int(command["outputSize"])
        if command["decoder"] == "random-resized-crop":
            decoder = RandomResizedCropRGBImageDecoder((size, size))
        elif command["decoder"] == "center-crop":
            decoder = CenterCropRGBImageDecoder((size, size), ratio=float(command["cropRatio"]))
        else:
            raise ValueError(f"unknown decoder {command['decoder']!r} (random-resized-crop, center-crop)")
        pipelines = {"image": [decoder, ToTensor()], "label": [IntDecoder(), ToTensor()]}
    else:
        raise ValueError(f"unknown kind {kind!r} (ndarray, image)")
    return Loader(
        command["path"],
        batch_size=int(command["batchSize"]),
        num_workers=int(command["workers"]),
        os_cache=True,
        order=ORDERS[order or command["order"]],
        seed=int(command.get("seed", 0)),
        drop_last=bool(command["dropLast"]),
        pipelines=pipelines,
    )


def run_epoch(loader):
    samples = 0
    batches = 0
    checksum = 0.0
    started = time.perf_counter()
    for images, labels in loader:
        count = images.shape[0]
        checksum += float(images[count - 1].reshape(-1)[0]) + float(labels[0])
        samples += count
        batches += 1
    return {"seconds": time.perf_counter() - started, "samples": samples, "batches": batches, "checksum": checksum}


class Server:
    def __init__(self):
        self.loaders = {}

    def loader_key(self, command):
        return json.dumps({key: command.get(key) for key in LOADER_KEYS}, sort_keys=True)

    def epoch(self, command):
        key = self.loader_key(command)
        warmup = None
        if key not in self.loaders:
            self.loaders[key] = make_loader(command)
            warmup = run_epoch(self.loaders[key])["seconds"]
        reply = run_epoch(self.loaders[key])
        if warmup is not None:
            reply["warmupSeconds"] = warmup
        return reply

    def first_batch_digest(self, command):
        loader = make_loader(command, order="sequential")
        for images, labels in loader:
            digest = hashlib.sha256(np.ascontiguousarray(images.numpy()).tobytes())
            digest.update(labels.numpy().reshape(-1).astype("<i4").tobytes())
            return {"digest": digest.hexdigest(), "samples": int(images.shape[0])}
        return {"digest": None, "samples": 0}

    def handle(self, command):
        op = command.get("op")
        if op == "hello":
            return versions()
        if op == "write-ndarray":
            return write_ndarray(command)
        if op == "write-images":
            return write_images(command)
        if op == "epoch":
            return self.epoch(command)
        if op == "first-batch-digest":
            return self.first_batch_digest(command)
        if op == "close":
            self.loaders.pop(self.loader_key(command), None)
            return {}
        raise ValueError(f"unknown op {op!r}")


def main():
    if "--versions" in sys.argv:
        _replies.write(json.dumps(versions()) + "\n")
        return
    server = Server()
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("op") == "quit":
            break
        try:
            reply = server.handle(command)
        except Exception as error:  # answered, so the Node side can say which command failed
            reply = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
        _replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
