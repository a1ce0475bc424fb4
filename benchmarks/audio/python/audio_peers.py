"""The Python peers of the audio benchmark (soundfile, torchaudio), driven by benchmarks/audio/index.mjs.

A small server: one JSON command per stdin line, one JSON reply per stdout line, so the Node side
can interleave its rounds with Tessera's (measureInterleaved) while the pools stay warm.

  {"op": "hello"}                                   -> versions of soundfile, libsndfile, torch, torchaudio
  {"op": "setup", "id": ..., "task": ..., "files": [...], "processes": 2, ...}
      task "decode":  sf.read(path, dtype='float32') of every file, over a multiprocessing Pool
      task "crop":    sf.read(path, start=s, frames=n, dtype='float32'), s a seeded random start
      task "logmel":  sf.read + torchaudio MelSpectrogram + log10(max(x, 1e-10)), each process
                      with torch.set_num_threads(1)
      task "mel-memory": torchaudio on float32 audio already in memory, in this process, 1 thread
  {"op": "run", "id": ..., "epochs": k}              -> {"elapsedMs", "clips", "samples", "checksum"}
  {"op": "quit"}

The worker returns only a checksum and the sample count (no arrays cross processes): the decoded
array is made and dropped in the worker, as a data loader's worker would hand it on.
"""
import json
import multiprocessing
import random
import sys
import time

import soundfile as sf

SAMPLE_RATE = 16000
MEL = {"n_fft": 400, "hop_length": 160, "n_mels": 80}

_transform = None


def _init_torch():
    global _transform
    import torch
    import torchaudio

    torch.set_num_threads(1)
    _transform = torchaudio.transforms.MelSpectrogram(sample_rate=SAMPLE_RATE, **MEL)


def _log_mel(waveform):
    import torch

    with torch.inference_mode():
        mel = _transform(torch.from_numpy(waveform))
        return torch.log10(torch.clamp(mel, min=1e-10))


def _decode(path):
    data, _ = sf.read(path, dtype="float32")
    return float(data[-1]), data.shape[0]


def _crop(job):
    path, start, frames = job
    data, _ = sf.read(path, start=start, frames=frames, dtype="float32")
    return float(data[-1]), data.shape[0]


def _decode_log_mel(path):
    data, _ = sf.read(path, dtype="float32")
    features = _log_mel(data)
    return float(features[0, -1]), data.shape[0]


class Contender:
    def __init__(self, command):
        self.task = command["task"]
        self.files = command["files"]
        self.processes = int(command.get("processes", 2))
        self.frames = int(command.get("frames", 0))
        self.lengths = command.get("lengths")
        self.seed = int(command.get("seed", 0))
        self.epoch = 0
        self.pool = None
        self.audio = None
        if self.task == "mel-memory":
            _init_torch()
            self.audio = [sf.read(path, dtype="float32")[0] for path in self.files]
        else:
            initializer = _init_torch if self.task == "logmel" else None
            self.pool = multiprocessing.get_context("spawn").Pool(self.processes, initializer=initializer)
        self.run(1)  # warm: pools started, files in the page cache, torch's first call made

    def jobs(self):
        if self.task != "crop":
            return self.files
        rng = random.Random(self.seed * 1000003 + self.epoch)
        return [(path, rng.randrange(length - self.frames + 1), self.frames) for path, length in zip(self.files, self.lengths)]

    def run(self, epochs):
        checksum = 0.0
        clips = 0
        samples = 0
        started = time.perf_counter()
        for _ in range(epochs):
            if self.task == "mel-memory":
                for waveform in self.audio:
                    features = _log_mel(waveform)
                    checksum += float(features[0, -1])
                    samples += waveform.shape[0]
                clips += len(self.audio)
            else:
                function = {"decode": _decode, "crop": _crop, "logmel": _decode_log_mel}[self.task]
                jobs = self.jobs()
                chunk = max(1, len(jobs) // (8 * self.processes))
                for value, count in self.pool.imap_unordered(function, jobs, chunksize=chunk):
                    checksum += value
                    samples += count
                clips += len(jobs)
            self.epoch += 1
        elapsed_ms = (time.perf_counter() - started) * 1000
        return {"elapsedMs": elapsed_ms, "clips": clips, "samples": samples, "checksum": checksum}

    def close(self):
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def hello():
    versions = {"python": sys.version.split()[0], "soundfile": sf.__version__, "libsndfile": sf.__libsndfile_version__}
    try:
        import torch
        import torchaudio

        versions["torch"] = torch.__version__
        versions["torchaudio"] = torchaudio.__version__
    except Exception as error:  # torchaudio is optional
        versions["torchError"] = str(error).splitlines()[0]
    return versions


def main():
    contenders = {}
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        try:
            if op == "hello":
                reply = hello()
            elif op == "setup":
                contenders[command["id"]] = Contender(command)
                reply = {"ok": True}
            elif op == "run":
                reply = contenders[command["id"]].run(int(command.get("epochs", 1)))
            elif op == "close":
                contenders.pop(command["id"]).close()
                reply = {"ok": True}
            elif op == "quit":
                break
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as error:
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for contender in contenders.values():
        contender.close()


if __name__ == "__main__":
    main()
