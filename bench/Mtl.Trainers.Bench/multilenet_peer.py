"""PyTorch-eager peer of the C# MultiLeNet benchmark (same network, loop and thread count).

Started by the C# benchmark as `/usr/bin/python3 multilenet_peer.py --threads N`; it answers timing requests on stdin.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiLeNet(nn.Module):
    """Trunk of Kurin et al. (conv 1->10 k5, pool, conv 10->20 k5, dropout2d, pool, fc 320->50) + two heads 50->50->10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.drop2d = nn.Dropout2d(0.5)
        self.fc = nn.Linear(320, 50)
        self.heads = nn.ModuleList([nn.Sequential(nn.Linear(50, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10)) for _ in range(2)])

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.drop2d(self.conv2(x)), 2))
        z = F.relu(self.fc(x.flatten(1)))
        return [h(z) for h in self.heads]


class TrainStepper:
    """One model, optimizer and batch per batch size, kept warm between timing requests."""

    def __init__(self, batch):
        torch.manual_seed(0)
        self.model = MultiLeNet()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.x = torch.randn(batch, 1, 28, 28)
        self.y = [torch.randint(0, 10, (batch,)) for _ in range(2)]

    def step(self):
        self.opt.zero_grad()
        outs = self.model(self.x)
        loss = F.cross_entropy(outs[0], self.y[0]) + F.cross_entropy(outs[1], self.y[1])
        loss.backward()
        self.opt.step()

    def time(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return (time.perf_counter() - t0) * 1000.0 / steps


def time_tiny_ops(count):
    a = torch.ones(1)
    b = torch.ones(1)
    t0 = time.perf_counter()
    for _ in range(count):
        a + b
    return (time.perf_counter() - t0) * 1e6 / count


def main():
    """Serves timing requests on stdin so the C# side can interleave its rounds with ours:
    'train B STEPS' -> ms per step; 'tiny N' -> us per op; 'info' -> version and threads. One JSON value per line."""
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
        elif parts[0] == "train":
            batch, steps = int(parts[1]), int(parts[2])
            if batch not in steppers:
                steppers[batch] = TrainStepper(batch)
            result = steppers[batch].time(steps)
        elif parts[0] == "tiny":
            result = time_tiny_ops(int(parts[1]))
        else:
            result = {"error": f"unknown request {parts[0]}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
