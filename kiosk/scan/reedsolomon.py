"""Reed-Solomon with erasures, for the heavy path's soft reads: GF(256) as QR codes use it
(primitive polynomial 0x11d, generator roots alpha^0 .. alpha^(n-k-1); ``QR``) and GF(929) as
PDF417 uses it (ISO/IEC 15438: the prime field of 929 elements, roots 3^1 .. 3^k; ``PDF417``).
The model fits (``kiosk.scan.qrgrid``, ``kiosk.scan.pdfsymbol``) know how sure they are of each
codeword, so the least sure can be declared erased, and a block of n codewords with n - k
check symbols is then corrected when ``2 e + f <= n - k`` (e errors at unknown places, f
erasures) instead of ``2 e <= n - k``.

Written here (plain Python, one decoder for both fields) rather than taken from a package:
the readers need exactly one behaviour a general library does not promise, a decode that
*fails* rather than returns the nearest codeword when the errata exceed a bound the caller
sets (``margin``, see ``decode``), and every failure path (locator degree, roots outside a
shortened block, non-zero syndromes after correction) has to be visible to tests. Why not
zxing-cpp's own correction for PDF417: it corrects to its capacity, leaving no check on a
wrong correction (``decoder.ec_spent``), so step 9 only accepts its reads with half of it
unused (``pdfsymbol.MIN_SPARE_EC``). Functional core: no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    """A Reed-Solomon code family: the field GF(``size``) (a prime, or 256 built on the
    primitive polynomial ``poly``), its primitive element ``alpha`` and the power of alpha
    that is the generator's first root."""

    name: str
    size: int
    alpha: int
    first_root: int
    poly: int = 0                      # GF(2^8) only: the primitive polynomial
    exp: tuple[int, ...] = field(init=False, repr=False)
    log: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.first_root not in (0, 1):
            raise ValueError(f"{self.name}: first root alpha^{self.first_root}, expected 0 or 1")
        order = self.size - 1
        exp, log = [1] * (2 * order), [0] * self.size
        for i in range(1, 2 * order):
            if self.poly:
                x = exp[i - 1] << 1
                exp[i] = x ^ self.poly if x & self.size else x
            else:
                exp[i] = exp[i - 1] * self.alpha % self.size
        for i in range(order):
            log[exp[i]] = i
        object.__setattr__(self, "exp", tuple(exp))
        object.__setattr__(self, "log", tuple(log))

    # field arithmetic: XOR in characteristic 2, modular in a prime field
    def add(self, a: int, b: int) -> int:
        return a ^ b if self.poly else (a + b) % self.size

    def neg(self, a: int) -> int:
        return a if self.poly else (-a) % self.size

    def mul(self, a: int, b: int) -> int:
        return 0 if a == 0 or b == 0 else self.exp[self.log[a] + self.log[b]]

    def inv(self, a: int) -> int:
        return self.exp[self.size - 1 - self.log[a]]

    def times(self, n: int, a: int) -> int:
        """``a`` added to itself ``n`` times (the formal derivative's coefficients)."""
        return (a if n % 2 else 0) if self.poly else n * a % self.size

    def root(self, j: int) -> int:
        """The generator's j-th root, alpha^(first_root + j)."""
        return self.exp[self.first_root + j]


QR = Code("GF(256), QR", 256, 2, 0, poly=0x11D)
PDF417 = Code("GF(929), PDF417", 929, 3, 1)


def _horner(code: Code, coefs: Sequence[int], x: int) -> int:
    """The polynomial with ``coefs`` (highest degree first) at ``x``. The decoder's hot loop
    (every syndrome, every Chien step), so written on the log tables directly."""
    if x == 0:
        return coefs[-1] if coefs else 0
    exp, log, lx = code.exp, code.log, code.log[x]
    y = 0
    if code.poly:
        for c in coefs:
            y = (exp[log[y] + lx] if y else 0) ^ c
    else:
        size = code.size
        for c in coefs:
            y = ((exp[log[y] + lx] if y else 0) + c) % size
    return y


def _poly_eval(code: Code, poly: Sequence[int], x: int) -> int:
    """``poly`` (lowest degree first) at ``x``."""
    return _horner(code, poly[::-1], x)


def _poly_mul(code: Code, p: Sequence[int], q: Sequence[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] = code.add(out[i + j], code.mul(a, b))
    return out


def generator(nsym: int, code: Code = QR) -> list[int]:
    """prod (x - root_i), i < nsym, highest degree first (as the encoder divides by it)."""
    g = [1]
    for i in range(nsym):
        r = code.neg(code.root(i))
        g = [code.add(a, code.mul(b, r)) for a, b in zip(g + [0], [0] + g)]
    return g


def encode(data: Sequence[int], nsym: int, code: Code = QR) -> list[int]:
    """data + the ``nsym`` check codewords: minus the remainder of data * x^nsym by the
    generator, so that the whole word is a multiple of it."""
    g = generator(nsym, code)
    rem = list(data) + [0] * nsym
    for i in range(len(data)):
        coef = rem[i]
        if coef:
            for j in range(1, len(g)):
                rem[i + j] = code.add(rem[i + j], code.neg(code.mul(g[j], coef)))
    return list(data) + [code.neg(r) for r in rem[len(data):]]


def syndromes(word: Sequence[int], nsym: int, code: Code = QR) -> list[int]:
    """S_j = word(root_j), j < nsym; word[0] is the highest degree coefficient."""
    return [_horner(code, word, code.root(j)) for j in range(nsym)]


def decode(word: Sequence[int], nsym: int, erasures: Sequence[int] = (), margin: int = 0,
           code: Code = QR) -> tuple[list[int], int] | None:
    """(corrected word, symbols changed), or None when the word is not within
    ``2 e + f <= nsym - margin`` of a codeword (e errors found, f = len(erasures), indices into
    ``word``; a value outside the field is read as 0, so an unreadable codeword may be erased).
    ``margin`` > 0 keeps part of the code's distance unused for correcting, so a word beyond
    reach is rejected rather than pulled to a wrong codeword: with m spare check symbols a
    wrong word passes all checks with a chance of about size^-m per attempt."""
    n = len(word)
    erasures = sorted(set(erasures))
    f = len(erasures)
    if n >= code.size or f > nsym - margin or any(not 0 <= p < n for p in erasures):
        return None
    word = [c if 0 <= c < code.size else 0 for c in word]
    synd = syndromes(word, nsym, code)
    if not any(synd):
        return list(word), 0
    # Berlekamp-Massey started from the erasure locator prod (1 - X_i x), X_i = alpha^(n-1-p)
    gamma = [1]
    for p in erasures:
        gamma = _poly_mul(code, gamma, [1, code.neg(code.exp[n - 1 - p])])
    lam, prev, length, shift, prev_disc = list(gamma), list(gamma), f, 1, 1
    for r in range(f, nsym):
        disc = 0
        for i in range(min(len(lam), r + 1)):
            disc = code.add(disc, code.mul(lam[i], synd[r - i]))
        if disc == 0:
            shift += 1
            continue
        scale = code.mul(disc, code.inv(prev_disc))
        step = [0] * shift + [code.mul(scale, c) for c in prev]
        size = max(len(lam), len(step))
        new = [code.add(lam[i] if i < len(lam) else 0,
                        code.neg(step[i]) if i < len(step) else 0) for i in range(size)]
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
    places = [p for p in range(n) if _poly_eval(code, lam, code.inv(code.exp[n - 1 - p])) == 0]
    if len(places) != length:
        return None
    # Forney, first root alpha^b (b = 0 or 1): e_p = -X_p^(1-b) Omega(X_p^-1) / Lambda'(X_p^-1)
    omega = _poly_mul(code, synd, lam)[:nsym]
    deriv = [code.times(i, lam[i]) for i in range(1, len(lam))]
    out = list(word)
    for p in places:
        x = code.exp[n - 1 - p]
        xi = code.inv(x)
        denom = _poly_eval(code, deriv, xi)
        if denom == 0:
            return None
        value = code.mul(_poly_eval(code, omega, xi), code.inv(denom))
        if code.first_root == 0:
            value = code.mul(x, value)
        out[p] = code.add(out[p], value)       # out - e_p, e_p = -value
    if any(syndromes(out, nsym, code)):
        return None
    return out, sum(a != b for a, b in zip(out, word))


def decode_least_sure(word: Sequence[int], nsym: int, order: Sequence[int], margin: int,
                      code: Code = QR, erased: Sequence[int] = ()) -> tuple[list[int], int] | None:
    """The soft reads' search (QR blocks, PDF417 symbols): ``decode`` with ``erased`` (places
    known bad), then with the first 1, 2, ... places of ``order`` (least sure first, none of
    ``erased``) erased too, as long as ``2 e + f <= nsym - margin`` can hold; the first word
    that corrects, or None. A wrong guess of erasures costs nothing but the try: an erased
    right symbol is corrected to itself."""
    erased = list(erased)
    for extra in range(nsym - margin - len(erased) + 1):
        got = decode(word, nsym, erased + list(order[:extra]), margin, code)
        if got is not None:
            return got
    return None
