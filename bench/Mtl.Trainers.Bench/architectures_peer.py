"""PyTorch-eager peer of the C# architectures benchmark: each multi-task architecture written here from its paper's
definition, in the variant and at the sizes Mtl.Trainers builds (docs/architectures.md), timed through the same EW step.

Started by Mtl.Trainers.Bench as `/usr/bin/python3 architectures_peer.py --threads N`; it stays alive and answers timing
requests on stdin, one JSON value per line, so the C# side can alternate its rounds with ours:
  info                          -> {"torch_version", "threads"}
  params ARCH TASKS             -> number of parameters of the network (checked against the C# network's count)
  step ARCH TASKS BATCH STEPS   -> ms per EW training step as the trainer takes it

Sizes (the C# side uses the same): input 64 features, MLP trunk mlp(64) (each expert/column/backbone: Linear(64, 64) + ReLU),
no dropout, each task a 10-class head Linear(64, 50) + ReLU + Linear(50, 10), Adam lr 1e-3. ARCH is one of
shared-bottom, mmoe (4 experts), cgc (1 task expert per task, 2 shared), ple (2 levels, 1 task expert, 2 shared),
cross-stitch, mtan, dselect-k (4 experts, 2 selectors, gamma 1, entropy weight 1e-3).
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT = 64
HIDDEN = 64
CLASSES = 10


def expert():
    return nn.Sequential(nn.Linear(INPUT, HIDDEN), nn.ReLU())


def head():
    return nn.Sequential(nn.Linear(HIDDEN, 50), nn.ReLU(), nn.Linear(50, CLASSES))


def mix(weights, experts):
    """sum_i w[:, i] * e_i, per row."""
    total = weights[:, 0:1] * experts[0]
    for i in range(1, len(experts)):
        total = total + weights[:, i:i + 1] * experts[i]
    return total


class SharedBottom(nn.Module):
    def __init__(self, tasks):
        super().__init__()
        self.trunk = expert()
        self.heads = nn.ModuleList([head() for _ in range(tasks)])

    def forward(self, x):
        z = self.trunk(x)
        return [h(z) for h in self.heads], []


class MMoE(nn.Module):
    """Ma et al. 2018: y_k = h_k(sum_i softmax(W_k x)_i f_i(x))."""

    def __init__(self, tasks, experts=4):
        super().__init__()
        self.experts = nn.ModuleList([expert() for _ in range(experts)])
        self.gates = nn.ModuleList([nn.Linear(INPUT, experts) for _ in range(tasks)])
        self.heads = nn.ModuleList([head() for _ in range(tasks)])

    def forward(self, x):
        outs = [e(x) for e in self.experts]
        return [h(mix(F.softmax(g(x), 1), outs)) for g, h in zip(self.gates, self.heads)], []


class PLE(nn.Module):
    """Tang et al. 2020: levels of task and shared experts; a task gate mixes its own and the shared experts, a shared
    gate (below the last level) mixes all; gates read their path's input. Level 1 experts read x; higher levels'
    experts are Linear(d, d) + ReLU on the paths. One level is CGC."""

    def __init__(self, tasks, levels, task_experts=1, shared_experts=2):
        super().__init__()
        self.tasks, self.levels = tasks, levels
        self.experts = nn.ModuleList()
        self.gates = nn.ModuleList()
        for level in range(levels):
            last = level == levels - 1
            width = INPUT if level == 0 else HIDDEN

            def make():
                return expert() if level == 0 else nn.Sequential(nn.Linear(HIDDEN, HIDDEN), nn.ReLU())

            paths = nn.ModuleList([nn.ModuleList([make() for _ in range(task_experts)]) for _ in range(tasks)])
            paths.append(nn.ModuleList([make() for _ in range(shared_experts)]))
            self.experts.append(paths)
            gates = nn.ModuleList([nn.Linear(width, task_experts + shared_experts) for _ in range(tasks)])
            if not last:
                gates.append(nn.Linear(width, tasks * task_experts + shared_experts))
            self.gates.append(gates)
        self.heads = nn.ModuleList([head() for _ in range(tasks)])

    def forward(self, x):
        paths = [x] * (self.tasks + 1)
        for level in range(self.levels):
            outs = [[e(paths[p]) for e in self.experts[level][p]] for p in range(self.tasks + 1)]
            nxt = [mix(F.softmax(self.gates[level][k](paths[k]), 1), outs[k] + outs[self.tasks]) for k in range(self.tasks)]
            if level < self.levels - 1:
                everything = [o for path in outs for o in path]
                nxt.append(mix(F.softmax(self.gates[level][self.tasks](paths[self.tasks]), 1), everything))
            paths = nxt
        return [self.heads[k](paths[k]) for k in range(self.tasks)], []


class CrossStitch(nn.Module):
    """Misra et al. 2016: one column per task; after each stage the columns mix through a learned T x T matrix
    (0.9 on the diagonal, 0.1 / (T - 1) elsewhere)."""

    def __init__(self, tasks, stages=1):
        super().__init__()
        self.tasks = tasks
        self.columns = nn.ModuleList([nn.ModuleList([nn.Linear(INPUT if s == 0 else HIDDEN, HIDDEN) for s in range(stages)]) for _ in range(tasks)])
        off = 0.1 / (tasks - 1) if tasks > 1 else 0.0
        init = torch.full((tasks, tasks), off) + torch.eye(tasks) * (0.9 - off)
        self.stitches = nn.ParameterList([nn.Parameter(init.clone()) for _ in range(stages)])
        self.heads = nn.ModuleList([head() for _ in range(tasks)])

    def forward(self, x):
        h = [x] * self.tasks
        for s, alpha in enumerate(self.stitches):
            a = [F.relu(self.columns[k][s](h[k])) for k in range(self.tasks)]
            h = []
            for k in range(self.tasks):
                total = alpha[k, 0] * a[0]
                for j in range(1, self.tasks):
                    total = total + alpha[k, j] * a[j]
                h.append(total)
        return [self.heads[k](h[k]) for k in range(self.tasks)], []


class MTAN(nn.Module):
    """Liu et al. 2019, vector stages: a shared MLP backbone; task k's feature at stage j is
    sigmoid(A_kj([h_j ; t_k,j-1])) * h_j (stage 1 reads h_1 alone)."""

    def __init__(self, tasks, stages=1):
        super().__init__()
        self.tasks = tasks
        self.backbone = nn.ModuleList([nn.Linear(INPUT if s == 0 else HIDDEN, HIDDEN) for s in range(stages)])
        self.attention = nn.ModuleList([nn.ModuleList([nn.Linear(HIDDEN if s == 0 else 2 * HIDDEN, HIDDEN) for s in range(stages)]) for _ in range(tasks)])
        self.heads = nn.ModuleList([head() for _ in range(tasks)])

    def forward(self, x):
        features = []
        h = x
        for layer in self.backbone:
            h = F.relu(layer(h))
            features.append(h)
        outputs = []
        for k in range(self.tasks):
            t = features[0]
            for j, a in enumerate(self.attention[k]):
                inp = features[0] if j == 0 else torch.cat([features[j], t], 1)
                t = torch.sigmoid(a(inp)) * features[j]
            outputs.append(self.heads[k](t))
        return outputs, []


def smooth_step(t, gamma):
    """0 for t <= -gamma/2, 1 for t >= gamma/2, -2t^3/gamma^3 + 3t/(2 gamma) + 1/2 between."""
    inner = -2 * t ** 3 / gamma ** 3 + 3 * t / (2 * gamma) + 0.5
    return torch.where(t <= -gamma / 2, torch.zeros_like(t), torch.where(t >= gamma / 2, torch.ones_like(t), inner))


class DSelectK(nn.Module):
    """Hazimeh et al. 2021, per-example gate: selector l's logits z_l (log2 n bits) and the selector weights alpha are
    linear in x; r(z)_i = prod_j (b_j(i) S(z_j) + (1 - b_j(i))(1 - S(z_j))); w = sum_l softmax(alpha)_l r(z_l). Each task's
    loss gets the entropy regulariser lambda * sum_l H(r(z_l)) (batch mean)."""

    def __init__(self, tasks, experts=4, selectors=2, gamma=1.0, entropy=1e-3):
        super().__init__()
        self.n, self.k, self.gamma, self.entropy = experts, selectors, gamma, entropy
        self.bits = int(math.log2(experts))
        self.experts = nn.ModuleList([expert() for _ in range(experts)])
        self.logits = nn.ModuleList([nn.Linear(INPUT, selectors * self.bits) for _ in range(tasks)])
        self.weights = nn.ModuleList([nn.Linear(INPUT, selectors) for _ in range(tasks)])
        self.heads = nn.ModuleList([head() for _ in range(tasks)])
        codes = torch.tensor([[(i >> j) & 1 for j in range(self.bits)] for i in range(experts)], dtype=torch.float32)
        self.register_buffer("codes", codes)  # n x bits

    def selections(self, x, task):
        z = self.logits[task](x).view(-1, self.k, 1, self.bits)  # batch x k x 1 x bits
        s = smooth_step(z, self.gamma)
        b = self.codes.view(1, 1, self.n, self.bits)
        return (b * s + (1 - b) * (1 - s)).prod(3)  # batch x k x n

    def forward(self, x):
        outs = [e(x) for e in self.experts]
        outputs, regularisers = [], []
        for task, h in enumerate(self.heads):
            r = self.selections(x, task)
            w = (F.softmax(self.weights[task](x), 1).unsqueeze(2) * r).sum(1)
            outputs.append(h(mix(w, outs)))
            entropy = -(r * torch.log(r + 1e-6)).sum(2).sum(1).mean()
            regularisers.append(self.entropy * entropy)
        return outputs, regularisers


def build(arch, tasks):
    return {
        "shared-bottom": lambda: SharedBottom(tasks),
        "mmoe": lambda: MMoE(tasks),
        "cgc": lambda: PLE(tasks, levels=1),
        "ple": lambda: PLE(tasks, levels=2),
        "cross-stitch": lambda: CrossStitch(tasks),
        "mtan": lambda: MTAN(tasks),
        "dselect-k": lambda: DSelectK(tasks),
    }[arch]()


class Stepper:
    """One network, Adam and fixed batch per (architecture, tasks, batch), kept warm between timing requests."""

    def __init__(self, arch, tasks, batch):
        torch.manual_seed(0)
        self.net = build(arch, tasks)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.x = torch.randn(batch, INPUT)
        self.y = [torch.randint(0, CLASSES, (batch,)) for _ in range(tasks)]

    def step(self):
        """What the C# trainer's EW step does: losses and accuracy counts to the host, a finiteness check, one backward."""
        self.opt.zero_grad(set_to_none=True)
        outs, regs = self.net(self.x)
        losses = []
        correct = []
        for i, (out, y) in enumerate(zip(outs, self.y)):
            loss = F.cross_entropy(out, y)
            losses.append(loss + regs[i] if regs else loss)
            with torch.no_grad():
                correct.append(out.argmax(1).eq(y).sum(dtype=torch.float64).item())
        values = torch.stack([l.detach() for l in losses]).to(torch.float64).tolist()
        for i, v in enumerate(values):
            if v != v or v in (float("inf"), float("-inf")):
                raise FloatingPointError(f"task {i}: loss {v}")
        sum(losses).backward()
        self.opt.step()

    def time(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return (time.perf_counter() - t0) * 1000.0 / steps


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
        try:
            if parts[0] == "info":
                result = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
            elif parts[0] == "params":
                result = sum(p.numel() for p in build(parts[1], int(parts[2])).parameters())
            elif parts[0] == "step":
                key = (parts[1], int(parts[2]), int(parts[3]))
                if key not in steppers:
                    steppers[key] = Stepper(*key)
                result = steppers[key].time(int(parts[4]))
            else:
                result = {"error": f"unknown request {parts[0]}"}
        except Exception as e:  # the C# side reports it and stops
            result = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
