"""numpy version of the Rust Monte Carlo kernel (benches/pricing.rs, mc_kernel): draw 1e6 games
from a Walker alias table over the full-game (home, away) grid with one 32-bit random number per
draw (u * n as a 64-bit product: its high half picks the column, its low half decides column or
alias) and tally a histogram.
Prints NUMPY_NS_PER_GAME=<median of 7 runs>.

Also the twin of the pricer's Monte Carlo check (`simulate_slate` with iterations > 0): for a
16-game slate, every scope (the full-game grid and six period grids of two independent team
score pmfs, as in Rust), draw 20,000 games from the exact grid with the same kernel, tally the
four marginals (margin, total, home, away) and score every ladder market (each half point
within the scope's width, as the price sheet does) as |sampled - exact| / SE, skipping markets with
fewer than 10 expected wins or losses as Rust does. Prints
NUMPY_CHECK_SLATE_MS=<median of 7 runs> and the largest |z|."""
import math
import time

import numpy as np

SIDE = 81
MAX_MARGIN = 60


def joint_pmf(mean_margin=3.0, mean_total=45.5, sigma_m=13.2, sigma_t=13.4):
    # As in Rust (model::NEGLIGIBLE): the sampler only holds cells above 1e-12.
    p = joint_pmf_full(mean_margin, mean_total, sigma_m, sigma_t)
    p = p[p >= 1e-12]
    return p / p.sum()


def alias_table(p):
    n = len(p)
    scaled = p * n
    threshold = np.full(n, 2**32 - 1, dtype=np.uint64)
    alias = np.arange(n, dtype=np.uint64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s = small.pop()
        l = large[-1]
        threshold[s] = min(int(round(scaled[s] * 2**32)), 2**32 - 1)
        alias[s] = l
        scaled[l] -= 1.0 - scaled[s]
        if scaled[l] < 1.0:
            large.pop()
            small.append(l)
    return threshold, alias


def kernel(rng, threshold, alias, n_draws):
    n = np.uint64(len(threshold))
    # One 64-bit draw feeds two games, as in Rust.
    u = rng.integers(0, 2**64 - 1, size=n_draws // 2, dtype=np.uint64, endpoint=True)
    prod = u.view(np.uint32).astype(np.uint64) * n
    col = prod >> np.uint64(32)
    keep = (prod & np.uint64(0xFFFFFFFF)) < threshold[col]
    idx = np.where(keep, col, alias[col])
    return np.bincount(idx.astype(np.intp), minlength=len(threshold))


SHARES = [1.0, 0.495, 0.505, 0.205, 0.29, 0.215, 0.28]
POSSESSIONS = [11, 6, 6, 3, 3, 3, 3]
SCORES = [(7, 0.55), (3, 0.36), (6, 0.04), (8, 0.03), (2, 0.02)]


def team_pmf(mean, n):
    # Binomial number of scoring possessions, each worth a SCORES value (period.rs).
    q = min(max(mean / sum(v * p for v, p in SCORES) / n, 0.0), 0.95)
    one = np.zeros(9)
    for v, p in SCORES:
        one[v] += p
    out = np.zeros(n * 8 + 1)
    conv = np.array([1.0])
    for k in range(n + 1):
        pk = math.comb(n, k) * q**k * (1 - q) ** (n - k)
        out[: len(conv)] += pk * conv
        conv = np.convolve(conv, one)
    return out


def scope_grid(scope, margin, total):
    if scope == 0:
        side = SIDE
        p = np.zeros(SIDE * SIDE)
        p[:] = 0.0
        full = joint_pmf_full(margin, total)
        return full, side
    share, n = SHARES[scope], POSSESSIONS[scope]
    h = team_pmf((total + margin) / 2 * share, n)
    a = team_pmf((total - margin) / 2 * share, n)
    return np.outer(h, a).ravel(), len(h)


def joint_pmf_full(mean_margin, mean_total, sigma_m=12.5, sigma_t=13.4):
    # Same shape as the Rust grid: discretised normal margin (key-number weights do not change
    # the cost), total of matching parity, floored at |margin|.
    cdf = lambda x, mu, s: 0.5 * math.erfc(-(x - mu) / (s * math.sqrt(2)))
    p = np.zeros(SIDE * SIDE)
    for m in range(-MAX_MARGIN, MAX_MARGIN + 1):
        pm = cdf(m + 0.5, mean_margin, sigma_m) - cdf(m - 0.5, mean_margin, sigma_m)
        t = abs(m)
        while True:
            h, a = (t + m) // 2, (t - m) // 2
            if h >= SIDE or a >= SIDE:
                break
            below = 0.0 if t == abs(m) else cdf(t - 1, mean_total, sigma_t)
            p[h * SIDE + a] += pm * (cdf(t + 1, mean_total, sigma_t) - below)
            t += 2
    return p / p.sum()


def marginals(cells, side):
    g = cells.reshape(side, side)
    h = np.arange(side)
    margin = np.bincount((h[:, None] - h[None, :] + side - 1).ravel(), weights=g.ravel(), minlength=2 * side - 1)
    total = np.bincount((h[:, None] + h[None, :]).ravel(), weights=g.ravel(), minlength=2 * side - 1)
    return margin, total, g.sum(axis=1), g.sum(axis=0)


def check_scope(rng, cells, side, width, n):
    nz = cells >= 1e-12
    support = np.flatnonzero(nz)
    p = cells[nz] / cells[nz].sum()
    # numpy's own weighted sampler (a CDF and a binary search per draw): building a Walker table
    # takes a Python loop, which would make the twin slower than numpy has to be.
    counts = np.zeros(len(cells))
    counts[support] = np.bincount(rng.choice(len(p), size=n, p=p), minlength=len(p))
    worst = 0.0
    offsets = [1 - side, 0, 0, 0]
    for exact, sampled, off in zip(marginals(cells, side), marginals(counts / n, side), offsets):
        ce, cs = np.cumsum(exact), np.cumsum(sampled)
        centre = off + float(np.dot(np.arange(len(exact)), exact))
        lines = np.round(centre * 2) / 2 + np.arange(-round(width * 2), round(width * 2) + 1) / 2
        idx = np.clip(np.floor(lines - off).astype(int), 0, len(exact) - 1)
        e, s = 1 - ce[idx], 1 - cs[idx]  # P(X > line) for half lines; whole lines push
        ok = n * np.minimum(e, 1 - e) >= 10
        if ok.any():
            z = np.abs(s[ok] - e[ok]) / np.sqrt(e[ok] * (1 - e[ok]) / n)
            worst = max(worst, float(z.max()))
    return worst


def check_slate(rng, grids, n=20_000):
    worst = 0.0
    for cells, side, scope in grids:
        worst = max(worst, check_scope(rng, cells, side, 10 * math.sqrt(SHARES[scope]), n))
    return worst


def main():
    pmf = joint_pmf()
    print(f"alias table over {len(pmf)} cells")
    threshold, alias = alias_table(pmf)
    rng = np.random.default_rng(7)
    n = 1_000_000
    kernel(rng, threshold, alias, n)  # warm-up
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        counts = kernel(rng, threshold, alias, n)
        runs.append((time.perf_counter() - t) * 1e9 / n)
    assert counts.sum() == n
    runs.sort()
    print(f"numpy {np.__version__}")
    print(f"NUMPY_NS_PER_GAME={runs[3]:.3f}")
    # The check twin: grids are built once (Rust prices them exactly first; this times the check).
    grids = []
    for i in range(16):
        margin, total = -10.5 + 1.4 * i, 38.5 + i
        for scope in range(7):
            cells, side = scope_grid(scope, margin, total)
            grids.append((cells, side, scope))
    check_slate(rng, grids)  # warm-up
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        worst = check_slate(rng, grids)
        runs.append((time.perf_counter() - t) * 1e3)
    runs.sort()
    print(f"NUMPY_CHECK_SLATE_MS={runs[3]:.3f} max_z={worst:.2f}")


if __name__ == "__main__":
    main()
