"""Progressive neural image codec (after Lu, Yang, Zhu, Said, Cohen, "Progressive Neural Image
Compression with Nested Quantization and Latent Ordering", ICIP 2021).

A Ballé-style transform codec with a scale hyperprior and no autoregressive context:
  y = g_a(x), z = h_a(y), sigma = h_s(round(z)), x_hat = g_s(y_hat).
GDN/IGDN are written with plain ops (Conv on x^2, Sqrt, Div) so the graph exports to ONNX
and runs in our own WGSL executor.

Nested quantization: latents are quantized on nested grids with steps STEPS = (9, 3, 1):
every coarse cell is split into 3 finer cells, so the decoder refines an element with one
ternary symbol per level. Elements are refined in order of decreasing sigma (the decoder
knows sigma from the hyperprior). Training simulates partial refinement: a random fraction
of the largest-sigma elements sits on the finer grid, the rest on the coarser one.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

STEPS = (9.0, 3.0, 1.0)


class GDN(nn.Module):
    """y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2) (inverse: multiply)."""

    def __init__(self, ch, inverse=False):
        super().__init__()
        self.inverse = inverse
        # Squared reparameterisation (as in Balle's and CompressAI's GDN): beta = b^2 + eps,
        # gamma = g^2, initialised to beta = 1, gamma = 0.1 I + tiny off-diagonal terms.
        # (A softplus reparameterisation initialised at 0 couples all channels by ~0.07 and
        # takes tens of thousands of Adam steps to undo; it trained far slower.)
        self.beta_raw = nn.Parameter(torch.ones(ch))
        g = torch.full((ch, ch), 1e-3) + (0.1 ** 0.5 - 1e-3) * torch.eye(ch)
        self.gamma_raw = nn.Parameter(g.view(ch, ch, 1, 1))

    def params(self):
        beta = self.beta_raw ** 2 + 1e-6
        gamma = self.gamma_raw ** 2
        return beta, gamma

    def forward(self, x):
        beta, gamma = self.params()
        norm = torch.sqrt(F.conv2d(x * x, gamma, beta))
        return x * norm if self.inverse else x / norm


def conv(cin, cout, k=5, s=2):
    return nn.Conv2d(cin, cout, k, stride=s, padding=k // 2)


def deconv(cin, cout, k=5, s=2):
    return nn.ConvTranspose2d(cin, cout, k, stride=s, padding=k // 2, output_padding=s - 1)


class Codec(nn.Module):
    def __init__(self, n=64, m=96):
        super().__init__()
        self.n, self.m = n, m
        self.g_a = nn.Sequential(conv(3, n), GDN(n), conv(n, n), GDN(n), conv(n, n), GDN(n), conv(n, m))
        self.g_s = nn.Sequential(deconv(m, n), GDN(n, True), deconv(n, n), GDN(n, True), deconv(n, n), GDN(n, True), deconv(n, 3))
        self.h_a = nn.Sequential(conv(m, n, 3, 1), nn.ReLU(), conv(n, n), nn.ReLU(), conv(n, n))
        self.h_s = nn.Sequential(deconv(n, n), nn.ReLU(), deconv(n, n), nn.ReLU(), conv(n, m, 3, 1))
        # Factorized prior of z: per-channel logistic with learned location and scale.
        self.z_loc = nn.Parameter(torch.zeros(n))
        self.z_logscale = nn.Parameter(torch.zeros(n))

    # -- likelihoods -------------------------------------------------------------------
    @staticmethod
    def gaussian_mass(v, sigma, half):
        """P(v - half < Y < v + half) for Y ~ N(0, sigma)."""
        s = sigma.clamp_min(0.11)
        c = lambda t: 0.5 * torch.erfc(-t / (s * math.sqrt(2)))
        return (c(v + half) - c(v - half)).clamp_min(1e-9)

    def z_mass(self, z):
        loc = self.z_loc.view(1, -1, 1, 1)
        scale = torch.exp(self.z_logscale).view(1, -1, 1, 1)
        c = lambda t: torch.sigmoid((t - loc) / scale)
        return (c(z + 0.5) - c(z - 0.5)).clamp_min(1e-9)

    def sigma(self, z_hat):
        return F.softplus(self.h_s(z_hat)) + 0.11

    # -- quantization --------------------------------------------------------------------
    @staticmethod
    def quantize(y, step, sigma=None):
        """Value of y's cell on the grid of `step`, straight-through gradient. With `sigma`,
        the cell's conditional mean under N(0, sigma) (what the decoder reconstructs for
        elements not refined yet); without, the cell centre."""
        idx = torch.round(y / step)
        if sigma is None:
            v = idx * step
        else:
            s = sigma.clamp_min(0.11)
            ta, tb = (idx - 0.5) * step / s, (idx + 0.5) * step / s
            pdf = lambda t: torch.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)
            cdf = lambda t: 0.5 * torch.erfc(-t / math.sqrt(2))
            mass = cdf(tb) - cdf(ta)
            mean = s * (pdf(ta) - pdf(tb)) / mass.clamp_min(1e-12)
            v = torch.where(mass > 1e-6, mean, idx * step)
        return y + (v - y).detach()

    def forward(self, x, partial=True):
        y = self.g_a(x)
        z = self.h_a(y)
        z_tilde = z + torch.rand_like(z) - 0.5
        z_hat = z + (torch.round(z) - z).detach()
        sigma = self.sigma(z_hat)
        y_tilde = y + torch.rand_like(y) - 0.5
        bits_y = -torch.log2(self.gaussian_mass(y_tilde, sigma, 0.5)).sum()
        bits_z = -torch.log2(self.z_mass(z_tilde)).sum()
        x_fine = self.g_s(self.quantize(y, 1.0))
        out = {"bits": bits_y + bits_z, "x_fine": x_fine}
        if partial:
            # Partial refinement: level l (coarse) for most elements, l+1 for the fraction f
            # with the largest sigma -- as the decoder sees a truncated stream.
            l = torch.randint(0, len(STEPS) - 1, ()).item()
            f = torch.rand(()).item()
            sd = sigma.detach()
            y_c = self.quantize(y, STEPS[l], sd)
            y_f = self.quantize(y, STEPS[l + 1], sd if l + 1 < len(STEPS) - 1 else None)
            flat = sd.flatten(1)
            k = max(1, int(f * flat.shape[1]))
            thresh = flat.topk(k, dim=1).values[:, -1:].view(-1, 1, 1, 1)
            mask = (sd >= thresh).float()
            out["x_partial"] = self.g_s(mask * y_f + (1 - mask) * y_c)
        return out
