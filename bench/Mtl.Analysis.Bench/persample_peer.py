"""PyTorch 1.13 peer of the per-sample gradient benchmark (Mtl.Analysis.Bench persample).

Started as `/usr/bin/python3 persample_peer.py --threads N`; it stays alive and answers requests on stdin, one JSON
value per line, so the C# side can alternate its rounds with ours:
  info               -> {"torch_version", "threads", "functorch"}
  vmap T N CALLS     -> ms per call: functorch vmap(jacrev) of the T task losses w.r.t. the trunk, N rows
  loop T N CALLS     -> ms per call: the one-row loop (a forward per row, T autograd.grad calls on its graph)
Both return, per call, the T per-sample gradient matrices N x P on the trunk (MultiLeNet, dropout off), as the C# side does.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    from functorch import jacrev, make_functional, vmap
    HAVE_FUNCTORCH = True
except ImportError:  # Debian builds without functorch: only the loop is measured
    HAVE_FUNCTORCH = False


# The one PyTorch MultiLeNet of the benchmarks (bench/Mtl.Trainers.Bench/multilenet_peer.py, copied beside this script).
from multilenet_peer import Trunk, head  # noqa: E402


class Case:
    """T tasks: one network and 128 fixed rows, kept warm between requests."""

    def __init__(self, tasks):
        torch.manual_seed(0)
        self.tasks = tasks
        self.trunk = Trunk().eval()
        self.heads = nn.ModuleList([head() for _ in range(tasks)]).eval()
        self.params = list(self.trunk.parameters())
        self.x = torch.randn(128, 1, 28, 28)
        self.y = torch.randint(0, 10, (128, tasks))
        if HAVE_FUNCTORCH:
            self.trunk_fn, self.trunk_params = make_functional(self.trunk)

            def losses(params, x, y):
                z = self.trunk_fn(params, x.unsqueeze(0))
                return torch.stack([F.cross_entropy(h(z), y[t].unsqueeze(0)) for t, h in enumerate(self.heads)])

            # Row i's Jacobian of the T losses: one forward, T vector-Jacobian products, all vectorised over rows.
            self.per_sample = vmap(jacrev(losses), in_dims=(None, 0, 0))

    def vmap(self, n):
        grads = self.per_sample(self.trunk_params, self.x[:n], self.y[:n])
        flat = torch.cat([g.reshape(n, self.tasks, -1) for g in grads], 2)
        return [flat[:, t] for t in range(self.tasks)]

    def loop(self, n):
        rows = [[] for _ in range(self.tasks)]
        for i in range(n):
            z = self.trunk(self.x[i:i + 1])
            for t, h in enumerate(self.heads):
                loss = F.cross_entropy(h(z), self.y[i:i + 1, t])
                grads = torch.autograd.grad(loss, self.params, retain_graph=t < self.tasks - 1)
                rows[t].append(torch.cat([g.reshape(-1) for g in grads]))
        return [torch.stack(r) for r in rows]

    def time(self, method, n, calls):
        fn = self.vmap if method == "vmap" else self.loop
        t0 = time.perf_counter()
        for _ in range(calls):
            fn(n)
        return (time.perf_counter() - t0) * 1000.0 / calls


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    cases = {}
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0] == "info":
                result = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "functorch": HAVE_FUNCTORCH}
            elif parts[0] in ("vmap", "loop"):
                if parts[0] == "vmap" and not HAVE_FUNCTORCH:
                    raise RuntimeError("this torch build has no functorch")
                tasks, n, calls = int(parts[1]), int(parts[2]), int(parts[3])
                if tasks not in cases:
                    cases[tasks] = Case(tasks)
                result = cases[tasks].time(parts[0], n, calls)
            else:
                result = {"error": f"unknown request {parts[0]}"}
        except Exception as e:  # the C# side reports it
            result = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
