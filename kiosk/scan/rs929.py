"""Reed-Solomon over GF(929) as PDF417 uses it (ISO/IEC 15438: the prime field of 929
elements, generator roots 3^1 .. 3^k for k check codewords), with erasures: the heavy path's
PDF417 model fit (``kiosk.scan.pdfsymbol``) corrects its fitted codewords itself, so that a
fit with more wrong codewords than zxing-cpp's error correction leaves spare is still read,
and only within a bound the caller sets (``margin``).

Why not zxing-cpp's own correction: it corrects up to k / 2 errors, to its capacity, and the
heavy path then has no check left on a wrong correction (``decoder.ec_spent``), so step 9 only
accepts reads that left half of it unused (``pdfsymbol.MIN_SPARE_EC``, at most ~k / 4 errors).
Here the bound is ``2 e + f <= k - margin``: ``margin`` check codewords stay unused for
correcting, and a wrong word passes them with a chance of about 929^-margin per attempt.
Same shape as ``kiosk.scan.reedsolomon`` (GF(256), QR); prime field, so plain modular
arithmetic. Functional core: no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence

P = 929
ALPHA = 3                    # a primitive element of GF(929), as the standard's generator uses
_EXP = [1] * (2 * (P - 1))
for _i in range(1, 2 * (P - 1)):
    _EXP[_i] = _EXP[_i - 1] * ALPHA % P


def _inv(a: int) -> int:
    return pow(a, P - 2, P)


def _poly_eval(poly: Sequence[int], x: int) -> int:
    """Horner; ``poly`` lowest degree first."""
    y = 0
    for c in reversed(poly):
        y = (y * x + c) % P
    return y


def _poly_mul(p: Sequence[int], q: Sequence[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] = (out[i + j] + a * b) % P
    return out


def syndromes(word: Sequence[int], nsym: int) -> list[int]:
    """S_j = word(3^j), j = 1 .. nsym, the word read as a polynomial whose first codeword
    is the highest power (as the encoder divides it by the generator)."""
    out = []
    for j in range(1, nsym + 1):
        x, y = _EXP[j], 0
        for c in word:
            y = (y * x + c) % P
        out.append(y)
    return out


def encode(data: Sequence[int], nsym: int) -> list[int]:
    """``data`` followed by its ``nsym`` check codewords (for the tests)."""
    gen = [1]
    for j in range(1, nsym + 1):
        gen = _poly_mul(gen, [(-_EXP[j]) % P, 1])           # (x - 3^j), lowest first
    rem = [0] * nsym                                        # highest degree first
    top = gen[::-1]                                         # monic, highest first
    for d in data:
        coef = (d + rem[0]) % P
        rem = rem[1:] + [0]
        for i in range(nsym):
            rem[i] = (rem[i] - coef * top[i + 1]) % P
    return list(data) + [(-r) % P for r in rem]


def decode(word: Sequence[int], nsym: int, erasures: Sequence[int] = (), margin: int = 0
           ) -> tuple[list[int], int] | None:
    """(corrected word, codewords changed), or None when the word is not within
    ``2 e + f <= nsym - margin`` of a codeword (e errors found, f = len(erasures), indices into
    ``word``; values outside 0-928 are read as 0, so an unreadable codeword may be erased)."""
    n = len(word)
    erasures = sorted(set(erasures))
    f = len(erasures)
    if n >= P or f > nsym - margin or any(not 0 <= p < n for p in erasures):
        return None
    word = [c if 0 <= c < P else 0 for c in word]
    synd = syndromes(word, nsym)
    if not any(synd) and not erasures:
        return list(word), 0
    # Berlekamp-Massey started from the erasure locator prod (1 - X_i x), X_i = 3^(n-1-p)
    gamma = [1]
    for p in erasures:
        gamma = _poly_mul(gamma, [1, (-_EXP[n - 1 - p]) % P])
    lam, prev, length, shift, prev_disc = list(gamma), list(gamma), f, 1, 1
    for r in range(f, nsym):
        disc = 0
        for i in range(min(len(lam), r + 1)):
            disc = (disc + lam[i] * synd[r - i]) % P
        if disc == 0:
            shift += 1
            continue
        scale = disc * _inv(prev_disc) % P
        step = [0] * shift + [scale * c % P for c in prev]
        size = max(len(lam), len(step))
        new = [((lam[i] if i < len(lam) else 0) - (step[i] if i < len(step) else 0)) % P
               for i in range(size)]
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
    # Chien search over the word's own positions only (a shortened code: a root elsewhere
    # means the word is beyond reach)
    places = [p for p in range(n) if _poly_eval(lam, _inv(_EXP[n - 1 - p])) == 0]
    if len(places) != length:
        return None
    # Forney (first root 3^1): e_p = -Omega(X_p^-1) / Lambda'(X_p^-1)
    omega = _poly_mul(synd, lam)[:nsym]
    deriv = [i * lam[i] % P for i in range(1, len(lam))]
    out = list(word)
    for p in places:
        xi = _inv(_EXP[n - 1 - p])
        denom = _poly_eval(deriv, xi)
        if denom == 0:
            return None
        value = (-_poly_eval(omega, xi)) * _inv(denom) % P
        out[p] = (out[p] - value) % P
    if any(syndromes(out, nsym)):
        return None
    return out, sum(a != b for a, b in zip(out, word))
