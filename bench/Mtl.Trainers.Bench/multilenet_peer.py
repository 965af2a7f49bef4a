"""PyTorch-eager peer of the C# training-step benchmark (same network, same step, same thread count).

Started by Mtl.Trainers.Bench as `/usr/bin/python3 multilenet_peer.py --threads N`; it stays alive and answers timing
requests on stdin, one JSON value per line, so the C# side can alternate its rounds with ours:
  info                 -> {"torch_version", "threads"}
  step B STEPS         -> ms per EW training step as the trainer takes it (see TrainerStepper)
  raw B STEPS          -> ms per plain step: zero_grad, forward, summed cross-entropy, backward, Adam
  tiny N               -> us per a + b on one-element tensors
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Trunk(nn.Module):
    """MultiLeNet trunk of Kurin et al.: conv 1->10 k5, pool, relu; conv 10->20 k5, dropout2d, pool, relu; fc 320->50, relu."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.drop2d = nn.Dropout2d(0.5)
        self.fc = nn.Linear(320, 50)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.drop2d(self.conv2(x)), 2))
        return F.relu(self.fc(x.flatten(1)))


def head():
    return nn.Sequential(nn.Linear(50, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10))


class Stepper:
    """One network, Adam and fixed batch per batch size, kept warm between timing requests."""

    def __init__(self, batch, tasks=2):
        torch.manual_seed(0)
        self.trunk = Trunk()
        self.heads = nn.ModuleList([head() for _ in range(tasks)])
        self.opt = torch.optim.Adam(list(self.trunk.parameters()) + list(self.heads.parameters()), lr=1e-3)
        self.x = torch.randn(batch, 1, 28, 28)
        self.y = [torch.randint(0, 10, (batch,)) for _ in range(tasks)]

    def trainer_step(self):
        """What the C# trainer's EW step does: losses and accuracy counts to the host, a finiteness check, one backward."""
        self.opt.zero_grad(set_to_none=True)
        z = self.trunk(self.x)
        losses = []
        correct = []
        for h, y in zip(self.heads, self.y):
            out = h(z)
            losses.append(F.cross_entropy(out, y))
            with torch.no_grad():
                correct.append(out.argmax(1).eq(y).sum(dtype=torch.float64).item())
        values = torch.stack([l.detach() for l in losses]).to(torch.float64).tolist()
        for i, v in enumerate(values):
            if v != v or v in (float("inf"), float("-inf")):
                raise FloatingPointError(f"task {i}: loss {v}")
        sum(losses).backward()
        self.opt.step()

    def raw_step(self):
        self.opt.zero_grad()
        z = self.trunk(self.x)
        loss = sum(F.cross_entropy(h(z), y) for h, y in zip(self.heads, self.y))
        loss.backward()
        self.opt.step()

    def time(self, step, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - t0) * 1000.0 / steps


def time_tiny_ops(count):
    a = torch.ones(1)
    b = torch.ones(1)
    t0 = time.perf_counter()
    for _ in range(count):
        a + b
    return (time.perf_counter() - t0) * 1e6 / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    steppers = {}
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "info":
            result = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
        elif parts[0] in ("step", "raw"):
            batch, steps = int(parts[1]), int(parts[2])
            if batch not in steppers:
                steppers[batch] = Stepper(batch)
            stepper = steppers[batch]
            result = stepper.time(stepper.trainer_step if parts[0] == "step" else stepper.raw_step, steps)
        elif parts[0] == "tiny":
            result = time_tiny_ops(int(parts[1]))
        else:
            result = {"error": f"unknown request {parts[0]}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
