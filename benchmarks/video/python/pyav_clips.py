"""PyAV peer of `pnpm bench video`: random 16-frame clips (stride 2) from mp4 files, as a PyTorch-style
video dataset reads them (open the file, seek to the keyframe before the clip, decode, convert to
RGB24 numpy arrays), in a multiprocessing Pool of 1 or 2 processes, one decoding thread each.

stdin: one JSON object {files, clips, frames, stride, size, processes, rounds, seed} (with "fps": clips by
time, files [[path, duration seconds], ...], the frame shown at each instant start + k / fps)
stdout: one JSON line {roundsMs: [...], versions}
"""
import json
import random
import sys
import time
from multiprocessing import Pool

import av


def read_clip_by_time(task):
    # The frame shown at each instant start + k / fps (seconds after the first frame): VFR-safe.
    path, start, frames, fps, size = task
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = 'NONE'
        tb = stream.time_base
        first = stream.start_time or 0
        wanted = [start + k / fps for k in range(frames)]
        container.seek(first + int(wanted[0] / tb), stream=stream, backward=True, any_frame=False)
        out = []
        shown = None
        for frame in container.decode(stream):
            seconds = float((frame.pts - first) * tb)
            while len(out) < frames and seconds > wanted[len(out)] + 1e-9 and shown is not None:
                out.append(shown)
            if len(out) == frames:
                break
            shown = frame.to_ndarray(format='rgb24') if size is None else frame.reformat(width=size[1], height=size[0], format='rgb24').to_ndarray()
        while len(out) < frames and shown is not None:
            out.append(shown)  # past the end: the last frame (repeat_last)
        if len(out) != frames:
            raise RuntimeError(f'{path}: {len(out)} of {frames} frames from {start} s')
        return out[0][0, 0, 0]


def read_clip(task):
    path, start, frames, stride, size = task
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = 'NONE'  # one thread per process: the pool gives the parallelism
        rate = stream.average_rate
        tb = stream.time_base
        first = stream.start_time or 0
        wanted = [start + k * stride for k in range(frames)]
        pts_of = lambda index: first + int(round(index / rate / tb))
        container.seek(pts_of(wanted[0]), stream=stream, backward=True, any_frame=False)
        targets = set(pts_of(index) for index in wanted)
        last = pts_of(wanted[-1])
        out = []
        for frame in container.decode(stream):
            if frame.pts in targets:
                if size is None:
                    out.append(frame.to_ndarray(format='rgb24'))
                else:
                    out.append(frame.reformat(width=size[1], height=size[0], format='rgb24').to_ndarray())
            if frame.pts >= last:
                break
        if len(out) != frames:
            raise RuntimeError(f'{path}: {len(out)} of {frames} frames from {start}')
        return out[0][0, 0, 0] if out else 0


def main():
    request = json.loads(sys.stdin.readline())
    rng = random.Random(request['seed'])
    files = request['files']  # [[path, frame count], ...]
    span = (request['frames'] - 1) * request.get('stride', 1) + 1
    size = request.get('size')
    rounds = []
    with Pool(request['processes']) as pool:
        warm = (read_clip_by_time, (files[0][0], 0.0, request['frames'], request['fps'], size)) if request.get('fps') else (read_clip, (files[0][0], 0, request['frames'], request['stride'], size))
        pool.map(warm[0], [warm[1]] * request['processes'])  # warm the workers
        for _ in range(request['rounds']):
            tasks = []
            for index in range(request['clips']):
                path, count = files[index % len(files)]
                if request.get('fps'):
                    # count is the duration in seconds in time mode
                    tasks.append((path, rng.random() * max(0.0, count - request['frames'] / request['fps']), request['frames'], request['fps'], size))
                else:
                    tasks.append((path, rng.randrange(0, count - span + 1), request['frames'], request['stride'], size))
            started = time.perf_counter()
            pool.map(read_clip_by_time if request.get('fps') else read_clip, tasks, chunksize=1)
            rounds.append((time.perf_counter() - started) * 1000)
    versions = {'pyav': av.__version__, 'libavcodec': '.'.join(map(str, av.library_versions['libavcodec']))}
    print(json.dumps({'roundsMs': rounds, 'versions': versions}))


if __name__ == '__main__':
    main()
