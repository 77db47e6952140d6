# Blender (Cycles) half of tests/bench/render_bench.sh. Run as:
#   blender -b --factory-startup --python render_cycles.py -- SCENE.gltf FRAME FPS W H SPP BOUNCES OUT.png [CLAMP_INDIRECT FILTER_GLOSSY]
# Debian's Blender glTF add-on needs numpy, which is not installed here, so this script
# builds the scene itself from the same .gltf/.bin (plain struct reads): meshes shared
# between objects (so Cycles instances them like we do), Principled materials with the
# same textures, punctual lights, the camera, the node animation evaluated at
# t = FRAME / FPS, and the scene's environment map. It then renders one frame on the CPU
# with denoising and adaptive sampling off and prints a timing line.
import array
import json
import math
import os
import sys
import time

import bpy
from mathutils import Matrix, Quaternion, Vector

args = sys.argv[sys.argv.index("--") + 1:]
path, frame, fps, width, height, spp, bounces, out = args[:8]
# farm-render's firefly controls mean the same as Cycles' (defaults 10 and 1 in both).
clamp_indirect = float(args[8]) if len(args) > 8 else 10.0
filter_glossy = float(args[9]) if len(args) > 9 else 1.0
frame, fps, width, height, spp, bounces = int(frame), float(fps), int(width), int(height), int(spp), int(bounces)
t_frame = frame / fps
base = os.path.dirname(os.path.abspath(path))
g = json.load(open(path))
bins = [open(os.path.join(base, b["uri"]), "rb").read() for b in g["buffers"]]
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
FMT = {5126: "f", 5125: "I", 5123: "H", 5121: "B"}


def accessor(i):
    a = g["accessors"][i]
    bv = g["bufferViews"][a["bufferView"]]
    arr = array.array(FMT[a["componentType"]])
    off = bv.get("byteOffset", 0) + a.get("byteOffset", 0)
    n = a["count"] * WIDTH[a["type"]]
    arr.frombytes(bins[bv["buffer"]][off:off + n * arr.itemsize])  # generator packs tightly
    return arr


def srgb_image(tex_index, non_color):
    img = bpy.data.images.load(os.path.join(base, g["images"][g["textures"][tex_index]["source"]]["uri"]))
    if non_color:
        img.colorspace_settings.name = "Non-Color"
    return img


def make_material(i):
    m = g["materials"][i]
    mat = bpy.data.materials.new(m.get("name", "m%d" % i))
    mat.use_nodes = True
    nt = mat.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    pbr = m.get("pbrMetallicRoughness", {})
    bsdf.inputs["Base Color"].default_value = pbr.get("baseColorFactor", [1, 1, 1, 1])
    bsdf.inputs["Metallic"].default_value = pbr.get("metallicFactor", 1.0)
    bsdf.inputs["Roughness"].default_value = pbr.get("roughnessFactor", 1.0)
    if "baseColorTexture" in pbr:
        n = nt.nodes.new("ShaderNodeTexImage")
        n.image = srgb_image(pbr["baseColorTexture"]["index"], False)
        nt.links.new(n.outputs["Color"], bsdf.inputs["Base Color"])
    if "metallicRoughnessTexture" in pbr:
        n = nt.nodes.new("ShaderNodeTexImage")
        n.image = srgb_image(pbr["metallicRoughnessTexture"]["index"], True)
        sep = nt.nodes.new("ShaderNodeSeparateColor")
        nt.links.new(n.outputs["Color"], sep.inputs["Color"])
        mr = nt.nodes.new("ShaderNodeMath")
        mr.operation = "MULTIPLY"
        mr.inputs[1].default_value = pbr.get("roughnessFactor", 1.0)
        nt.links.new(sep.outputs["Green"], mr.inputs[0])
        nt.links.new(mr.outputs[0], bsdf.inputs["Roughness"])
        mm = nt.nodes.new("ShaderNodeMath")
        mm.operation = "MULTIPLY"
        mm.inputs[1].default_value = pbr.get("metallicFactor", 1.0)
        nt.links.new(sep.outputs["Blue"], mm.inputs[0])
        nt.links.new(mm.outputs[0], bsdf.inputs["Metallic"])
    if "normalTexture" in m:
        n = nt.nodes.new("ShaderNodeTexImage")
        n.image = srgb_image(m["normalTexture"]["index"], True)
        nm = nt.nodes.new("ShaderNodeNormalMap")
        nm.inputs["Strength"].default_value = m["normalTexture"].get("scale", 1.0)
        nt.links.new(n.outputs["Color"], nm.inputs["Color"])
        nt.links.new(nm.outputs["Normal"], bsdf.inputs["Normal"])
    e = m.get("emissiveFactor", [0, 0, 0])
    if max(e) > 0:
        s = m.get("extensions", {}).get("KHR_materials_emissive_strength", {}).get("emissiveStrength", 1.0)
        bsdf.inputs["Emission"].default_value = (e[0], e[1], e[2], 1)
        bsdf.inputs["Emission Strength"].default_value = s
    return mat


def make_mesh(i):
    prim = g["meshes"][i]["primitives"][0]
    me = bpy.data.meshes.new(g["meshes"][i].get("name", "mesh%d" % i))
    pos = accessor(prim["attributes"]["POSITION"])
    idx = accessor(prim["indices"])
    nv, nt = len(pos) // 3, len(idx) // 3
    me.vertices.add(nv)
    me.vertices.foreach_set("co", pos)
    me.loops.add(3 * nt)
    me.loops.foreach_set("vertex_index", idx)
    me.polygons.add(nt)
    me.polygons.foreach_set("loop_start", range(0, 3 * nt, 3))
    me.polygons.foreach_set("loop_total", [3] * nt)
    me.polygons.foreach_set("use_smooth", [True] * nt)
    if "TEXCOORD_0" in prim["attributes"]:
        uv = accessor(prim["attributes"]["TEXCOORD_0"])
        layer = me.uv_layers.new(name="UVMap")
        flat = []
        for v in idx:  # glTF v runs down the image, Blender's up
            flat += (uv[2 * v], 1.0 - uv[2 * v + 1])
        layer.data.foreach_set("uv", flat)
    me.update()
    if "NORMAL" in prim["attributes"]:
        nrm = accessor(prim["attributes"]["NORMAL"])
        me.use_auto_smooth = True
        me.normals_split_custom_set_from_vertices([nrm[3 * k:3 * k + 3] for k in range(nv)])
    if "material" in prim:
        me.materials.append(materials[prim["material"]])
    return me


def sample(ch_sampler, path_kind):
    times = accessor(ch_sampler["input"])
    vals = accessor(ch_sampler["output"])
    w = 4 if path_kind == "rotation" else 3
    interp = ch_sampler.get("interpolation", "LINEAR")
    per = 3 if interp == "CUBICSPLINE" else 1
    key = lambda k, which=1: list(vals[(k * per + (which if per == 3 else 0)) * w:(k * per + (which if per == 3 else 0)) * w + w])
    t = t_frame
    if t <= times[0]:
        return key(0)
    if t >= times[-1]:
        return key(len(times) - 1)
    k = max(i for i in range(len(times)) if times[i] <= t)
    dt = times[k + 1] - times[k]
    u = (t - times[k]) / dt
    if interp == "STEP":
        return key(k)
    if interp == "LINEAR":
        a, b = key(k), key(k + 1)
        if w == 4:
            q = Quaternion((a[3], a[0], a[1], a[2])).slerp(Quaternion((b[3], b[0], b[1], b[2])), u)
            return [q.x, q.y, q.z, q.w]
        return [a[i] + (b[i] - a[i]) * u for i in range(w)]
    p0, m0, p1, m1 = key(k, 1), key(k, 2), key(k + 1, 1), key(k + 1, 0)
    h = (2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u, -2 * u**3 + 3 * u**2, u**3 - u**2)
    r = [h[0] * p0[i] + h[1] * dt * m0[i] + h[2] * p1[i] + h[3] * dt * m1[i] for i in range(w)]
    if w == 4:
        n = math.sqrt(sum(c * c for c in r))
        r = [c / n for c in r]
    return r


bpy.ops.wm.read_factory_settings(use_empty=True)
t0 = time.time()
sc = bpy.context.scene
materials = [make_material(i) for i in range(len(g.get("materials", [])))]
meshes = {}
trs = {i: {"translation": n.get("translation", [0, 0, 0]), "rotation": n.get("rotation", [0, 0, 0, 1]),
           "scale": n.get("scale", [1, 1, 1])} for i, n in enumerate(g["nodes"])}
for anim in g.get("animations", []):
    for ch in anim["channels"]:
        tgt = ch["target"]
        trs[tgt["node"]][tgt["path"]] = sample(anim["samplers"][ch["sampler"]], tgt["path"])
lights = g.get("extensions", {}).get("KHR_lights_punctual", {}).get("lights", [])
root = bpy.data.objects.new("gltf_root", None)  # glTF is +Y up, Blender +Z up
root.rotation_euler = (math.pi / 2, 0, 0)
sc.collection.objects.link(root)
camera = None


def build(ni, parent):
    global camera
    n = g["nodes"][ni]
    if "mesh" in n:
        if n["mesh"] not in meshes:
            meshes[n["mesh"]] = make_mesh(n["mesh"])
        obj = bpy.data.objects.new(n.get("name", "node"), meshes[n["mesh"]])
    elif "camera" in n:
        cd = bpy.data.cameras.new("cam")
        cd.sensor_fit = "VERTICAL"
        cd.angle_y = g["cameras"][n["camera"]]["perspective"]["yfov"]
        obj = bpy.data.objects.new("cam", cd)
        camera = obj
    elif "KHR_lights_punctual" in n.get("extensions", {}):
        l = lights[n["extensions"]["KHR_lights_punctual"]["light"]]
        kind = {"point": "POINT", "spot": "SPOT", "directional": "SUN"}[l["type"]]
        ld = bpy.data.lights.new("light", kind)
        ld.color = l.get("color", [1, 1, 1])
        I = l.get("intensity", 1.0)
        # Same radiometric reading as farm-render: W/sr for point/spot, W/m^2 for the sun.
        ld.energy = I if kind == "SUN" else 4 * math.pi * I
        if kind == "SPOT":
            outer = l.get("spot", {}).get("outerConeAngle", math.pi / 4)
            inner = l.get("spot", {}).get("innerConeAngle", 0.0)
            ld.spot_size = 2 * outer
            ld.spot_blend = 1.0 - inner / outer
        if kind != "SUN":
            ld.shadow_soft_size = 0.0
        else:
            ld.angle = 0.0
        obj = bpy.data.objects.new("light", ld)
    else:
        obj = bpy.data.objects.new(n.get("name", "node"), None)
    sc.collection.objects.link(obj)
    obj.parent = parent
    t, r, s = trs[ni]["translation"], trs[ni]["rotation"], trs[ni]["scale"]
    obj.matrix_parent_inverse = Matrix.Identity(4)
    obj.matrix_basis = Matrix.LocRotScale(Vector(t), Quaternion((r[3], r[0], r[1], r[2])), Vector(s))
    for c in n.get("children", []):
        build(c, obj)


for ni in g["scenes"][g.get("scene", 0)]["nodes"]:
    build(ni, root)
sc.camera = camera
world = bpy.data.worlds.new("sky")
sc.world = world
world.use_nodes = True
envdef = g["scenes"][g.get("scene", 0)].get("extras", {}).get("environment", {})
bg = world.node_tree.nodes["Background"]
bg.inputs["Strength"].default_value = envdef.get("intensity", 1.0)
if "map" in envdef:
    env = world.node_tree.nodes.new("ShaderNodeTexEnvironment")
    env.image = bpy.data.images.load(os.path.join(base, envdef["map"]))
    world.node_tree.links.new(env.outputs["Color"], bg.inputs["Color"])
else:
    c = envdef.get("color", [0, 0, 0])
    bg.inputs["Color"].default_value = (c[0], c[1], c[2], 1)
build_s = time.time() - t0

sc.render.engine = "CYCLES"
sc.cycles.device = "CPU"
sc.cycles.samples = spp
sc.cycles.use_adaptive_sampling = False
sc.cycles.use_denoising = False
sc.cycles.max_bounces = bounces
for attr in ("diffuse_bounces", "glossy_bounces", "transmission_bounces", "volume_bounces",
             "transparent_max_bounces"):
    setattr(sc.cycles, attr, bounces)
sc.cycles.caustics_reflective = True
sc.cycles.caustics_refractive = True
sc.cycles.sample_clamp_direct = 0.0
sc.cycles.sample_clamp_indirect = clamp_indirect
sc.cycles.blur_glossy = filter_glossy
sc.render.resolution_x = width
sc.render.resolution_y = height
sc.render.resolution_percentage = 100
sc.render.filepath = out
sc.render.image_settings.file_format = "PNG"
sc.view_settings.view_transform = "Filmic"
t0 = time.time()
bpy.ops.render.render(write_still=True)
render_s = time.time() - t0
print("CYCLES_RESULT render_s=%.3f build_s=%.3f threads=%d" % (render_s, build_s, sc.render.threads))
