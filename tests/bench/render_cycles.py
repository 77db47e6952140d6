# Blender (Cycles) half of tests/bench/render_bench.sh. Run as:
#   blender -b --factory-startup --python render_cycles.py -- SCENE.gltf FRAME W H SPP BOUNCES ENV.hdr OUT.png
# Imports the same glTF, matches resolution, samples and bounces, turns denoising and
# adaptive sampling off, renders one frame on the CPU and prints a timing line.
import sys
import time

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
scene_path, frame, width, height, spp, bounces, env_path, out = args
frame, width, height, spp, bounces = int(frame), int(width), int(height), int(spp), int(bounces)

bpy.ops.wm.read_factory_settings(use_empty=True)
t0 = time.time()
bpy.ops.import_scene.gltf(filepath=scene_path)
import_s = time.time() - t0
sc = bpy.context.scene
cams = [o for o in sc.objects if o.type == "CAMERA"]
if not cams:
    sys.exit("no camera imported")
sc.camera = cams[0]
sc.frame_set(frame)
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
sc.cycles.blur_glossy = 0.0
sc.render.resolution_x = width
sc.render.resolution_y = height
sc.render.resolution_percentage = 100
sc.render.filepath = out
sc.render.image_settings.file_format = "PNG"
# Same sky: an equirectangular environment texture.
world = bpy.data.worlds.new("sky")
sc.world = world
world.use_nodes = True
nodes = world.node_tree.nodes
env = nodes.new("ShaderNodeTexEnvironment")
env.image = bpy.data.images.load(env_path)
world.node_tree.links.new(env.outputs["Color"], nodes["Background"].inputs["Color"])
t0 = time.time()
bpy.ops.render.render(write_still=True)
render_s = time.time() - t0
print("CYCLES_RESULT render_s=%.3f import_s=%.3f threads=%d" % (render_s, import_s, sc.render.threads))
