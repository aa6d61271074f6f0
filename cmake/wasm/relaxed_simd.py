#!/usr/bin/env python3
"""Give a linked module's relaxed-SIMD instructions their final opcodes.

Debian's emscripten 3.1.6 compiles with LLVM 14, which emits relaxed SIMD in the
proposal's early encoding: `__builtin_wasm_fma_f32x4(a, b, c)` becomes `f32x4.fma` at
0xfd 0xaf 0x01. The standard (and every engine that ships relaxed SIMD: Chrome 114+,
node 22+, node 20 behind --experimental-wasm-relaxed-simd) calls it `f32x4.relaxed_madd`,
0xfd 0x85 0x02, computing a * b + c (fused where the CPU has FMA). Both encodings are three
bytes, so the rewrite changes no size or offset; binaryen 108 (wasm-opt) still reads the
early one, so this runs after it, last.

The script walks every function body instruction by instruction (a byte search could hit
an immediate), rewrites 0xfd 0xaf, and refuses any other SIMD opcode that the final
SIMD and relaxed-SIMD specs do not define, so an instruction it does not know never
reaches an engine. It fails if the module has no relaxed instruction at all, which catches
a build whose GEMM lost its relaxed code (docs/wasm.md, "Relaxed SIMD"); a module already
rewritten passes unchanged.

usage: relaxed_simd.py IN.wasm OUT.wasm   (OUT may be IN)
"""
import sys

PROTO_F32X4_FMA = 0xAF
FINAL_F32X4_RELAXED_MADD = 0x105
FINAL_RELAXED_FIRST, FINAL_RELAXED_LAST = 0x100, 0x113  # relaxed SIMD's final opcodes
# Opcodes after 0xfd that no final SIMD128 instruction uses (gaps left by instructions
# dropped before the standard).
SIMD_GAPS = {0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB, 0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2,
             0xD3, 0xD4, 0xE2, 0xEE}


class WasmError(Exception):
    pass


class Reader:
    def __init__(self, data, pos, end):
        self.data, self.pos, self.end = data, pos, end

    def byte(self):
        if self.pos >= self.end:
            raise WasmError(f"unexpected end of data at byte {self.pos}")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self):
        result, shift = 0, 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result
            if shift > 63:
                raise WasmError(f"LEB128 too long at byte {self.pos}")

    sleb = uleb  # only skipped here, never used as a value

    def skip(self, n):
        if self.pos + n > self.end:
            raise WasmError(f"unexpected end of data at byte {self.pos}")
        self.pos += n


def skip_block_type(r):
    if r.pos >= r.end:
        raise WasmError(f"unexpected end of data at byte {r.pos}")
    b = r.data[r.pos]
    if b == 0x40 or b in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F):
        r.pos += 1
    else:
        r.sleb()  # a type index, s33


def skip_memarg(r):
    r.uleb()
    r.uleb()


def walk_body(r, rewrites, finals):
    """Skips one function body's locals and instructions, recording where 0xfd 0xaf is and
    counting relaxed instructions already in their final encoding (in `finals`)."""
    for _ in range(r.uleb()):  # local declarations: count, type
        r.uleb()
        r.byte()
    while r.pos < r.end:
        at = r.pos
        op = r.byte()
        if op in (0x02, 0x03, 0x04):  # block loop if
            skip_block_type(r)
        elif op == 0x06:  # try (exception handling)
            skip_block_type(r)
        elif op in (0x07, 0x08, 0x09, 0x18):  # catch tag, throw tag, rethrow depth, delegate depth
            r.uleb()
        elif op in (0x0C, 0x0D, 0x10, 0x12, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2):
            r.uleb()  # br br_if call return_call local.* global.* table.get/set ref.func
        elif op == 0x0E:  # br_table
            for _ in range(r.uleb() + 1):
                r.uleb()
        elif op in (0x11, 0x13):  # call_indirect, return_call_indirect: type, table
            r.uleb()
            r.uleb()
        elif op == 0x1C:  # select t*
            r.skip(r.uleb())
        elif 0x28 <= op <= 0x3E:  # loads and stores
            skip_memarg(r)
        elif op in (0x3F, 0x40):  # memory.size, memory.grow
            r.byte()
        elif op == 0x41 or op == 0x42:  # i32.const, i64.const
            r.sleb()
        elif op == 0x43:
            r.skip(4)
        elif op == 0x44:
            r.skip(8)
        elif op == 0xD0:  # ref.null t
            r.byte()
        elif op == 0xFC:
            sub = r.uleb()
            if sub <= 7:  # trunc_sat
                pass
            elif sub == 8:  # memory.init data, mem
                r.uleb()
                r.byte()
            elif sub in (9, 13, 15, 16, 17):  # data.drop, elem.drop, table.grow/size/fill
                r.uleb()
            elif sub == 10:  # memory.copy
                r.byte()
                r.byte()
            elif sub == 11:  # memory.fill
                r.byte()
            elif sub in (12, 14):  # table.init, table.copy
                r.uleb()
                r.uleb()
            else:
                raise WasmError(f"unknown 0xfc {sub} at byte {at}")
        elif op == 0xFD:
            sub_at = r.pos
            sub = r.uleb()
            if sub == PROTO_F32X4_FMA:
                if r.pos - sub_at != 2:
                    raise WasmError(f"f32x4.fma at byte {at} is not encoded in two bytes")
                rewrites.append(sub_at)
            elif FINAL_RELAXED_FIRST <= sub <= FINAL_RELAXED_LAST:  # no immediates
                finals[0] += 1
            elif sub in SIMD_GAPS or sub > 0xFF:
                raise WasmError(f"SIMD opcode 0x{sub:x} at byte {at} is neither final SIMD128 nor the "
                                f"early f32x4.fma this script rewrites")
            elif sub <= 0x0B or sub in (0x5C, 0x5D):  # loads, splat loads, store, load zero
                skip_memarg(r)
            elif sub in (0x0C, 0x0D):  # v128.const, i8x16.shuffle
                r.skip(16)
            elif 0x15 <= sub <= 0x22:  # extract/replace lane
                r.byte()
            elif 0x54 <= sub <= 0x5B:  # load/store lane
                skip_memarg(r)
                r.byte()
        elif op == 0xFE:
            raise WasmError(f"atomic instruction at byte {at}: this module is single-threaded")
        elif op <= 0x01 or op == 0x05 or op == 0x0B or op == 0x0F or op in (0x19, 0x1A, 0x1B, 0xD1) or \
                0x45 <= op <= 0xC4:
            pass  # no immediates
        else:
            raise WasmError(f"unknown opcode 0x{op:x} at byte {at}")
    if r.pos != r.end:
        raise WasmError(f"function body overruns its size at byte {r.pos}")


def rewrite(data):
    """Returns (new bytes, count rewritten, count of relaxed instructions already final)."""
    if data[:8] != b"\0asm\x01\0\0\0":
        raise WasmError("not a wasm binary module (version 1)")
    out = bytearray(data)
    r = Reader(data, 8, len(data))
    rewrites, finals = [], [0]
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        start = r.pos
        r.skip(size)
        if section != 10:  # code
            continue
        code = Reader(data, start, start + size)
        for _ in range(code.uleb()):
            body_size = code.uleb()
            body = Reader(data, code.pos, code.pos + body_size)
            walk_body(body, rewrites, finals)
            code.pos += body_size
    lo, hi = FINAL_F32X4_RELAXED_MADD & 0x7F | 0x80, FINAL_F32X4_RELAXED_MADD >> 7
    for at in rewrites:
        out[at], out[at + 1] = lo, hi
    return bytes(out), len(rewrites), finals[0]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    try:
        out, n, final = rewrite(data)
    except WasmError as e:
        print(f"relaxed_simd.py: {argv[1]}: {e}", file=sys.stderr)
        return 1
    if n == 0 and final > 0:  # run twice on one file: nothing left to do
        if argv[2] != argv[1]:
            with open(argv[2], "wb") as f:
                f.write(out)
        print(f"relaxed_simd.py: {argv[2]}: already final ({final} relaxed-SIMD instructions)")
        return 0
    if n == 0:
        print(f"relaxed_simd.py: {argv[1]}: no f32x4.fma to rewrite (was the GEMM compiled with -mrelaxed-simd?)",
              file=sys.stderr)
        return 1
    with open(argv[2], "wb") as f:
        f.write(out)
    print(f"relaxed_simd.py: {argv[2]}: {n} f32x4.fma -> f32x4.relaxed_madd")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
