# For tests/bench/gpu_pack.sh: a stand-in for a shared library with the same SONAME,
# exported symbols and version nodes, every function aborting with the library's name.
# Only for carrying a binary to a machine where code paths into that library are never
# taken (image formats the renderer never reads).
# Usage: gpu_stub_lib.py /path/to/libX.so.N OUTDIR   -> OUTDIR/libX.so.N
import subprocess, sys, os
lib, outdir = sys.argv[1], sys.argv[2]
soname = os.path.basename(lib)
out = subprocess.run(["readelf", "--dyn-syms", "-W", lib], capture_output=True, text=True).stdout
funcs, objs = {}, {}
for line in out.splitlines():
    f = line.split()
    if len(f) < 8 or not f[0].endswith(":"): continue
    num, val, size, typ, bind, vis, ndx, name = f[:8]
    if ndx in ("UND", "ABS") or bind not in ("GLOBAL", "WEAK"): continue
    ver = None
    if "@@" in name: name, ver = name.split("@@", 1)
    elif "@" in name: continue  # non-default versions: consumers link the default
    if typ in ("FUNC", "IFUNC", "NOTYPE"): funcs[name] = ver
    elif typ in ("OBJECT", "TLS", "COMMON"):
        objs[name] = (ver, max(8, int(size, 0) if size.startswith("0x") else int(size)), typ)
vers = {}  # version node -> its symbols
for n, v in list(funcs.items()) + [(n, o[0]) for n, o in objs.items()]:
    if v: vers.setdefault(v, []).append(n)
base = os.path.join(outdir, soname)
with open(base + ".s", "w") as s:
    s.write('.section .note.GNU-stack,"",@progbits\n.text\n')
    for n in funcs:
        s.write(f'.globl "{n}"\n.type "{n}",@function\n"{n}":\n  lea .Lmsg(%rip), %rdi\n  jmp __farm_stub_called@PLT\n')
    s.write(f'.section .rodata\n.Lmsg: .asciz "{soname}"\n')
    for n, (v, sz, typ) in objs.items():
        sec = ".tbss" if typ == "TLS" else ".bss"
        t = "tls_object" if typ == "TLS" else "object"
        s.write(f'.section {sec},"aw{"T" if typ=="TLS" else ""}",@nobits\n.globl "{n}"\n.type "{n}",@{t}\n.size "{n}",{sz}\n.balign 16\n"{n}": .zero {sz}\n')
with open(base + ".c", "w") as c:
    c.write('#include <stdio.h>\n#include <stdlib.h>\nvoid __farm_stub_called(const char* lib){fprintf(stderr,"stub library %s called: its code path is not carried\\n",lib);abort();}\n')
args = ["gcc", "-shared", "-fPIC", "-o", base, base + ".s", base + ".c", f"-Wl,-soname,{soname}"]
if vers:
    # One node per version the library defines; the consumers' references name them.
    with open(base + ".map", "w") as m:
        for v, names in vers.items():
            m.write(v + " {\n global:\n" + "".join(f'  "{n}";\n' for n in names) + "};\n")
    args.append(f"-Wl,--version-script={base}.map")
subprocess.run(args, check=True)
print(soname, len(funcs), "funcs", len(objs), "objs", len(vers), "versions")
