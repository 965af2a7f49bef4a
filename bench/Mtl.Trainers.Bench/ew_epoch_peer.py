"""PyTorch-eager peer of the EW epoch in Mtl.Trainers.Bench: same MultiLeNet, heads, Adam, batch loop and bookkeeping.

Usage: /usr/bin/python3 ew_epoch_peer.py --threads N --rows R --batch B --tasks T --epochs E
Prints JSON {"epoch_s": best epoch seconds}.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Trunk(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.drop = nn.Dropout2d(0.5)
        self.fc = nn.Linear(320, 50)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.drop(self.conv2(x)), 2))
        return F.relu(self.fc(x.flatten(1)))


def head(outputs):
    return nn.Sequential(nn.Linear(50, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, outputs))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--rows", type=int, default=10000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--tasks", type=int, default=2)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--epochs", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    trunk = Trunk()
    heads = nn.ModuleList([head(a.classes) for _ in range(a.tasks)])
    params = list(trunk.parameters()) + list(heads.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x_all = torch.randn(a.rows, 1, 28, 28)
    y_all = [torch.randint(0, a.classes, (a.rows,)) for _ in range(a.tasks)]
    best = float("inf")
    for epoch in range(a.epochs):
        order = torch.randperm(a.rows)
        t0 = time.perf_counter()
        trunk.train()
        heads.train()
        loss_sums = [0.0] * a.tasks
        correct = [0.0] * a.tasks
        for start in range(0, a.rows, a.batch):
            idx = order[start:start + a.batch]
            x = x_all.index_select(0, idx)
            ys = [y.index_select(0, idx) for y in y_all]
            opt.zero_grad(set_to_none=True)
            z = trunk(x)
            losses = []
            for i, h in enumerate(heads):
                out = h(z)
                losses.append(F.cross_entropy(out, ys[i]))
                with torch.no_grad():
                    correct[i] += (out.argmax(1) == ys[i]).sum().item()
            values = torch.stack([l.detach() for l in losses]).tolist()
            for i in range(a.tasks):
                loss_sums[i] += values[i] * len(idx)
            sum(losses).backward()
            opt.step()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"epoch_s": best}))


if __name__ == "__main__":
    main()
