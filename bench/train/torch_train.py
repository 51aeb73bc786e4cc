"""PyTorch peer for bench/train: trains the same dense network (widths, residual skips, head) with the
same batch, Adam settings, data size and thread count, one epoch at a time, and reports the wall time of
each epoch. Reads one JSON request per line on stdin, answers one JSON line on stdout."""
import ctypes
import json
import sys
import time

import torch
import torch.nn.functional as F


class Dense(torch.nn.Module):
    def __init__(self, inputs, widths, residual):
        super().__init__()
        fan_in = [inputs] + widths[:-1]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(i, o) for i, o in zip(fan_in, widths))
        self.residual = residual

    def forward(self, x):
        last = len(self.layers) - 1
        for d, layer in enumerate(self.layers):
            h = layer(x)
            if d < last:
                h = torch.relu(h)
                if self.residual[d]:
                    h = h + x
            x = h
        return x  # logits; the loss applies the head


def blas_thread_pools():
    """The BLAS libraries loaded into this process that keep their own thread pool. Debian's torch calls
    GEMM through libblas.so.3 (OpenBLAS or BLIS via alternatives), whose pool torch.set_num_threads does not
    reach: left alone, OpenBLAS uses every core even in a "1 thread" run."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if ".so" in line}
    pools = []
    for path in sorted(paths):
        name = path.rsplit("/", 1)[-1]
        for prefix, setter, getter in (("libopenblas", "openblas_set_num_threads", "openblas_get_num_threads"),
                                       ("libblis", "bli_thread_set_num_threads", "bli_thread_get_num_threads")):
            if name.startswith(prefix):
                lib = ctypes.CDLL(path)
                pools.append((name, getattr(lib, setter), getattr(lib, getter)))
    return pools


BLAS_POOLS = blas_thread_pools()


def run(req):
    torch.set_num_threads(req["threads"])
    blas = []
    for name, set_threads, get_threads in BLAS_POOLS:
        set_threads(req["threads"])
        blas.append(f"{name} x{get_threads()}")
    torch.manual_seed(0)
    n, inputs, outputs = req["rows"], req["inputs"], req["widths"][-1]
    x = torch.rand(n, inputs)
    if outputs == 1:
        y = (torch.rand(n, 1) > 0.5).float()
        loss_fn = F.binary_cross_entropy_with_logits  # sigmoid + BCE
    else:
        y = torch.randint(0, outputs, (n,))
        loss_fn = F.cross_entropy  # softmax + CCE
    model = Dense(inputs, req["widths"], req["residual"])
    opt = torch.optim.Adam(model.parameters(), lr=req["learningRate"], betas=(0.9, 0.999), eps=1e-7)
    batch = req["batchSize"]
    seconds = []
    for _ in range(req["epochs"]):
        start = time.perf_counter()
        order = torch.randperm(n)
        total = 0.0
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        seconds.append(time.perf_counter() - start)
    return {"seconds": seconds, "torch": torch.__version__, "blas": ", ".join(blas) or "no separate BLAS pool"}


for line in sys.stdin:
    print(json.dumps(run(json.loads(line))), flush=True)
