"""PyAV peer of `pnpm bench multimodal`: aligned A/V windows as a PyTorch-style dataset reads them.
For each window [t, t + seconds) of a file: open it, seek the video stream to the keyframe before t,
decode, keep the frames presented in the window (to_ndarray rgb24, at most `frames`), then seek the
audio stream before t, decode and cut round(seconds x rate) samples from round(t x rate) (float32).
A multiprocessing Pool of 1 or 2 processes, one decoding thread each. Text is not read (the A/V peer).

stdin: one JSON object {tasks: [[path, t], ...], seconds, frames, rate, processes, rounds}
stdout: one JSON line {roundsMs: [...], frames: [min, max], samples: [min, max], versions}
"""
import json
import sys
import time
from multiprocessing import Pool

import av
import numpy as np


def read_window(task):
    path, t, seconds, frames, rate = task
    end = t + seconds
    with av.open(path) as container:
        video = container.streams.video[0]
        video.thread_type = 'NONE'  # one thread per process: the pool gives the parallelism
        tb = video.time_base
        container.seek(int(t / tb), stream=video, backward=True, any_frame=False)
        out = []
        for frame in container.decode(video):
            at = float(frame.pts * tb)
            if at >= end - 1e-9:
                break
            if at >= t - 1e-9:
                out.append(frame.to_ndarray(format='rgb24'))
                if len(out) == frames:
                    break
        audio = container.streams.audio[0]
        atb = audio.time_base
        first = round(t * rate)
        wanted = round(seconds * rate)
        wave = np.zeros(wanted, dtype=np.float32)
        filled = 0
        container.seek(int(t / atb), stream=audio, backward=True, any_frame=False)
        for frame in container.decode(audio):
            start = round(float(frame.pts * atb) * rate)
            data = frame.to_ndarray()
            if data.dtype == np.int16:
                data = data.astype(np.float32) / 32768.0
            data = data.reshape(-1) if data.shape[0] == 1 else data.mean(axis=0)
            lo = max(first, start)
            hi = min(first + wanted, start + data.shape[0])
            if hi > lo:
                wave[lo - first:hi - first] = data[lo - start:hi - start]
                filled = max(filled, hi - first)
            if start + data.shape[0] >= first + wanted:
                break
        return len(out), filled


def main():
    request = json.loads(sys.stdin.readline())
    tasks = [(path, t, request['seconds'], request['frames'], request['rate']) for path, t in request['tasks']]
    rounds = []
    counts = []
    with Pool(request['processes']) as pool:
        pool.map(read_window, tasks[: request['processes']])  # warm the workers
        for _ in range(request['rounds']):
            started = time.perf_counter()
            counts = pool.map(read_window, tasks, chunksize=1)
            rounds.append((time.perf_counter() - started) * 1000)
    frames = [count[0] for count in counts]
    samples = [count[1] for count in counts]
    versions = {'pyav': av.__version__, 'libavcodec': '.'.join(map(str, av.library_versions['libavcodec']))}
    print(json.dumps({'roundsMs': rounds, 'frames': [min(frames), max(frames)], 'samples': [min(samples), max(samples)], 'versions': versions}))


if __name__ == '__main__':
    main()
