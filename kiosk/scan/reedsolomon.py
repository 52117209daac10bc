"""Reed-Solomon over GF(256) as QR codes use it (primitive polynomial 0x11d, generator roots
alpha^0 .. alpha^(n-k-1)), with erasures: the heavy path's QR model fit (``kiosk.scan.qrgrid``)
knows how sure it is of each module, so the least sure codewords can be declared erased, and
a block of n codewords with n - k check symbols is then corrected when ``2 e + f <= n - k``
(e errors at unknown places, f erasures) instead of ``2 e <= n - k``.

Written here (about 120 lines of plain Python) rather than taken from a package: the reader
needs exactly one behaviour a general library does not promise, a decode that *fails* rather
than returns the nearest codeword when the errata exceed a bound the caller sets (``margin``,
see ``decode``), and every failure path (locator degree, roots outside a shortened block,
non-zero syndromes after correction) has to be visible to tests. Functional core: no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _inv(a: int) -> int:
    return _EXP[255 - _LOG[a]]


def _poly_eval(poly: Sequence[int], x: int) -> int:
    """Horner; ``poly`` lowest degree first."""
    y = 0
    for c in reversed(poly):
        y = _mul(y, x) ^ c
    return y


def _poly_mul(p: Sequence[int], q: Sequence[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] ^= _mul(a, b)
    return out


def generator(nsym: int) -> list[int]:
    """prod (x - alpha^i), i < nsym, highest degree first (as the encoder divides by it)."""
    g = [1]
    for i in range(nsym):
        g = [a ^ _mul(b, _EXP[i]) for a, b in zip(g + [0], [0] + g)]
    return g


def encode(data: Sequence[int], nsym: int) -> list[int]:
    """data + the ``nsym`` check codewords (remainder of data * x^nsym by the generator)."""
    g = generator(nsym)
    rem = list(data) + [0] * nsym
    for i in range(len(data)):
        coef = rem[i]
        if coef:
            for j in range(1, len(g)):
                rem[i + j] ^= _mul(g[j], coef)
    return list(data) + rem[len(data):]


def syndromes(word: Sequence[int], nsym: int) -> list[int]:
    """S_j = word(alpha^j), j < nsym; word[0] is the highest degree coefficient."""
    out = []
    for j in range(nsym):
        y = 0
        for c in word:
            y = _mul(y, _EXP[j]) ^ c
        out.append(y)
    return out


def decode(word: Sequence[int], nsym: int, erasures: Sequence[int] = (), margin: int = 0
           ) -> tuple[list[int], int] | None:
    """(corrected word, symbols changed), or None when the word is not within
    ``2 e + f <= nsym - margin`` of a codeword (e errors found, f = len(erasures), indices into
    ``word``). ``margin`` > 0 keeps part of the code's distance unused for correcting, so a
    word beyond reach is rejected rather than pulled to a wrong codeword: with m spare check
    symbols a wrong word passes all checks with a chance of about 256^-m per attempt."""
    n = len(word)
    erasures = sorted(set(erasures))
    f = len(erasures)
    if n > 255 or f > nsym - margin or any(not 0 <= p < n for p in erasures):
        return None
    synd = syndromes(word, nsym)
    if not any(synd):
        return list(word), 0
    # Berlekamp-Massey started from the erasure locator prod (1 - X_i x), X_i = alpha^(n-1-p)
    gamma = [1]
    for p in erasures:
        gamma = _poly_mul(gamma, [1, _EXP[n - 1 - p]])
    lam, prev, length, shift, prev_disc = list(gamma), list(gamma), f, 1, 1
    for r in range(f, nsym):
        disc = 0
        for i in range(min(len(lam), r + 1)):
            disc ^= _mul(lam[i], synd[r - i])
        if disc == 0:
            shift += 1
            continue
        scale = _mul(disc, _inv(prev_disc))
        step = [0] * shift + [_mul(scale, c) for c in prev]
        new = [a ^ b for a, b in zip(lam + [0] * (len(step) - len(lam)),
                                     step + [0] * (len(lam) - len(step)))]
        if 2 * length <= r + f:
            prev, length, prev_disc, shift = lam, r + 1 + f - length, disc, 1
        else:
            shift += 1
        lam = new
    while len(lam) > 1 and lam[-1] == 0:
        lam.pop()
    errors = length - f
    if len(lam) - 1 != length or errors < 0 or 2 * errors + f > nsym - margin:
        return None
    # Chien search over the block's own positions only (a shortened code: a root elsewhere
    # means the word is beyond reach)
    places = [p for p in range(n) if _poly_eval(lam, _inv(_EXP[n - 1 - p])) == 0]
    if len(places) != length:
        return None
    # Forney (first root alpha^0): e_p = X_p * Omega(X_p^-1) / Lambda'(X_p^-1)
    omega = _poly_mul(synd, lam)[:nsym]
    deriv = [lam[i] if i % 2 else 0 for i in range(1, len(lam))]
    out = list(word)
    for p in places:
        x = _EXP[n - 1 - p]
        xi = _inv(x)
        denom = _poly_eval(deriv, xi)
        if denom == 0:
            return None
        out[p] ^= _mul(x, _mul(_poly_eval(omega, xi), _inv(denom)))
    if any(syndromes(out, nsym)):
        return None
    return out, sum(a != b for a, b in zip(out, word))
