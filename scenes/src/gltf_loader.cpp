// glTF 2.0 → farm::scene::Scene. tinygltf parses the file; everything it does not check
// (accessor bounds, finite numbers, index ranges, required extensions, missing images)
// is checked here so the renderer can trust what it gets.
#include <tiny_gltf.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <set>

#include "accessor.h"
#include "farm/scene/load.h"
#include "xform.h"

namespace farm::scene {
namespace fs = std::filesystem;
namespace {

const std::set<std::string> kSupportedRequired = {
    "KHR_lights_punctual", "KHR_materials_emissive_strength", "KHR_materials_specular"};

// tinygltf would decode every image with stb; textures are read later through
// OpenImageIO's cache instead, so keep only the encoded bytes of embedded images.
bool keep_encoded(tinygltf::Image* image, const int, std::string*, std::string*, int, int,
                  const unsigned char* bytes, int size, void*) {
    if (image->uri.empty()) image->image.assign(bytes, bytes + size);  // embedded
    return true;
}

// Image URIs are URI-encoded ("my%20tex.png"); decode %XX escapes.
std::string url_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
            std::isxdigit((unsigned char)s[i + 2])) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Loader {
    fs::path file;
    tinygltf::Model model;
    Scene scene;
    std::vector<std::vector<int>> mesh_prims;  // glTF mesh -> our mesh indices

    [[noreturn]] void fail(const std::string& why) const {
        throw SceneError(file.string() + ": " + why);
    }
    void check_finite(const std::vector<float>& v, const std::string& what) const {
        for (float f : v)
            if (!std::isfinite(f)) fail(what + " holds NaN or infinite values");
    }
    int check_index(int i, std::size_t n, const std::string& what) const {
        if (i < -1 || i >= static_cast<int>(n))
            fail(what + " index " + std::to_string(i) + " is out of range");
        return i;
    }

    void parse() {
        std::ifstream in(file, std::ios::binary);
        if (!in) fail("cannot open file");
        char magic[4] = {};
        in.read(magic, 4);
        const bool glb = in.gcount() == 4 && std::string(magic, 4) == "glTF";
        tinygltf::TinyGLTF gltf;
        gltf.SetImageLoader(keep_encoded, nullptr);
        std::string err, warn;
        const bool ok = glb ? gltf.LoadBinaryFromFile(&model, &err, &warn, file.string())
                            : gltf.LoadASCIIFromFile(&model, &err, &warn, file.string());
        if (!ok || !err.empty()) {
            while (!err.empty() && err.back() == '\n') err.pop_back();
            fail("not a valid glTF file: " +
                 (err.empty() ? std::string("parse error") : err));
        }
        for (const auto& ext : model.extensionsRequired)
            if (!kSupportedRequired.count(ext))
                fail("unsupported required extension " + ext);
        for (const auto& ext : model.extensionsUsed)
            if (!kSupportedRequired.count(ext))
                scene.warnings.push_back("extension " + ext + " is ignored");
        for (std::size_t i = 0; i < model.buffers.size(); ++i)
            if (model.buffers[i].data.empty() && !model.buffers[i].uri.empty())
                fail("buffer " + std::to_string(i) + " ('" + model.buffers[i].uri +
                     "') could not be loaded");
    }

    fs::path extract_embedded(const tinygltf::Image& img, int index) {
        // Content-named cache file so repeated loads and many workers share one copy.
        const std::size_t h = std::hash<std::string_view>{}(std::string_view(
            reinterpret_cast<const char*>(img.image.data()), img.image.size()));
        const std::string ext = img.mimeType == "image/jpeg" ? ".jpg" : ".png";
        fs::path dir = fs::temp_directory_path() / "farm-textures";
        fs::create_directories(dir);
        fs::path out =
            dir / (std::to_string(h) + "-" + std::to_string(img.image.size()) + ext);
        if (!fs::exists(out)) {
            fs::path tmp = out;
            tmp += ".tmp" + std::to_string(::getpid());
            std::ofstream o(tmp, std::ios::binary);
            o.write(reinterpret_cast<const char*>(img.image.data()), img.image.size());
            if (!o) fail("cannot extract embedded image " + std::to_string(index));
            o.close();
            fs::rename(tmp, out);
        }
        return out;
    }

    void textures() {
        std::vector<fs::path> images;
        for (std::size_t i = 0; i < model.images.size(); ++i) {
            const auto& img = model.images[i];
            if (!img.uri.empty()) {
                fs::path p = file.parent_path() / url_decode(img.uri);
                if (!fs::is_regular_file(p))
                    fail("missing texture image '" + img.uri + "' (image " +
                         std::to_string(i) + ")");
                images.push_back(fs::absolute(p));
            } else if (!img.image.empty()) {
                images.push_back(extract_embedded(img, static_cast<int>(i)));
            } else {
                fail("image " + std::to_string(i) + " has no data");
            }
        }
        for (std::size_t i = 0; i < model.textures.size(); ++i) {
            const auto& t = model.textures[i];
            const std::string what = "texture " + std::to_string(i);
            if (t.source < 0)
                fail(what +
                     " has no image source (extensions-only images are unsupported)");
            check_index(t.source, images.size(), what + " image");
            Texture tex;
            tex.path = images[t.source];
            if (check_index(t.sampler, model.samplers.size(), what + " sampler") >= 0) {
                const auto& s = model.samplers[t.sampler];
                tex.repeat_s = s.wrapS != TINYGLTF_TEXTURE_WRAP_CLAMP_TO_EDGE;
                tex.repeat_t = s.wrapT != TINYGLTF_TEXTURE_WRAP_CLAMP_TO_EDGE;
            }
            scene.textures.push_back(tex);
        }
    }

    TextureRef tex_ref(int index, int texcoord, const std::string& what) {
        check_index(index, scene.textures.size(), what);
        if (index >= 0 && texcoord != 0)
            fail(what + " uses TEXCOORD_" + std::to_string(texcoord) +
                 "; only TEXCOORD_0 is supported");
        return {index, texcoord};
    }

    void materials() {
        for (std::size_t i = 0; i < model.materials.size(); ++i) {
            const auto& m = model.materials[i];
            const std::string what =
                "material " + std::to_string(i) + " ('" + m.name + "')";
            const auto& pbr = m.pbrMetallicRoughness;
            Material out;
            out.name = m.name;
            for (int c = 0; c < 4 && c < (int)pbr.baseColorFactor.size(); ++c)
                out.base_color[c] = static_cast<float>(pbr.baseColorFactor[c]);
            out.metallic = static_cast<float>(pbr.metallicFactor);
            out.roughness = static_cast<float>(pbr.roughnessFactor);
            for (int c = 0; c < 3 && c < (int)m.emissiveFactor.size(); ++c)
                out.emissive[c] = static_cast<float>(m.emissiveFactor[c]);
            if (auto it = m.extensions.find("KHR_materials_emissive_strength");
                it != m.extensions.end() && it->second.Has("emissiveStrength")) {
                const float s = it->second.Get("emissiveStrength").GetNumberAsDouble();
                for (float& c : out.emissive) c *= s;
            }
            if (auto it = m.extensions.find("KHR_materials_specular");
                it != m.extensions.end() && it->second.Has("specularFactor"))
                out.specular = it->second.Get("specularFactor").GetNumberAsDouble();
            out.double_sided = m.doubleSided;
            out.normal_scale = static_cast<float>(m.normalTexture.scale);
            out.base_color_tex =
                tex_ref(pbr.baseColorTexture.index, pbr.baseColorTexture.texCoord,
                        what + " base colour texture");
            out.metallic_roughness_tex = tex_ref(pbr.metallicRoughnessTexture.index,
                                                 pbr.metallicRoughnessTexture.texCoord,
                                                 what + " metallic-roughness texture");
            out.normal_tex = tex_ref(m.normalTexture.index, m.normalTexture.texCoord,
                                     what + " normal texture");
            out.emissive_tex =
                tex_ref(m.emissiveTexture.index, m.emissiveTexture.texCoord,
                        what + " emissive texture");
            std::vector<float> all(out.base_color.begin(), out.base_color.end());
            all.insert(all.end(),
                       {out.metallic, out.roughness, out.specular, out.normal_scale,
                        out.emissive[0], out.emissive[1], out.emissive[2]});
            check_finite(all, what);
            if (m.alphaMode == "BLEND" || m.alphaMode == "MASK")
                scene.warnings.push_back(what + ": alpha mode " + m.alphaMode +
                                         " is rendered as OPAQUE");
            scene.materials.push_back(out);
        }
    }

    static std::vector<std::uint32_t> triangulate(std::vector<std::uint32_t> idx,
                                                  int mode) {
        std::vector<std::uint32_t> out;
        if (mode == TINYGLTF_MODE_TRIANGLE_STRIP) {
            for (std::size_t i = 2; i < idx.size(); ++i) {
                if (i % 2)
                    out.insert(out.end(), {idx[i - 1], idx[i - 2], idx[i]});
                else
                    out.insert(out.end(), {idx[i - 2], idx[i - 1], idx[i]});
            }
            return out;
        }
        if (mode == TINYGLTF_MODE_TRIANGLE_FAN) {
            for (std::size_t i = 2; i < idx.size(); ++i)
                out.insert(out.end(), {idx[0], idx[i - 1], idx[i]});
            return out;
        }
        idx.resize(idx.size() / 3 * 3);
        return idx;
    }

    void meshes() {
        for (std::size_t mi = 0; mi < model.meshes.size(); ++mi) {
            const auto& m = model.meshes[mi];
            mesh_prims.emplace_back();
            for (std::size_t pi = 0; pi < m.primitives.size(); ++pi) {
                const auto& p = m.primitives[pi];
                const std::string what = "mesh " + std::to_string(mi) + " ('" + m.name +
                                         "') primitive " + std::to_string(pi);
                if (p.mode != TINYGLTF_MODE_TRIANGLES &&
                    p.mode != TINYGLTF_MODE_TRIANGLE_STRIP &&
                    p.mode != TINYGLTF_MODE_TRIANGLE_FAN) {
                    scene.warnings.push_back(what + ": points/lines are not rendered");
                    continue;
                }
                if (p.extensions.count("KHR_draco_mesh_compression"))
                    fail(what + ": Draco-compressed meshes are not supported");
                auto attr = [&](const char* name) {
                    auto it = p.attributes.find(name);
                    return it == p.attributes.end() ? -1 : it->second;
                };
                if (attr("POSITION") < 0) fail(what + " has no POSITION attribute");
                Mesh out;
                out.name = m.name;
                try {
                    out.positions =
                        detail::read_floats(model, attr("POSITION"), 3, "POSITION");
                    const std::size_t nv = out.vertex_count();
                    auto optional = [&](const char* name, int width,
                                        std::vector<float>& dst) {
                        if (attr(name) < 0) return;
                        dst = detail::read_floats(model, attr(name), width, name);
                        if (dst.size() != nv * width)
                            throw SceneError(std::string(name) +
                                             " count differs from POSITION");
                    };
                    optional("NORMAL", 3, out.normals);
                    optional("TEXCOORD_0", 2, out.uvs);
                    optional("TANGENT", 4, out.tangents);
                    std::vector<float> joints;
                    optional("JOINTS_0", 4, joints);
                    optional("WEIGHTS_0", 4, out.weights);
                    if (joints.empty() != out.weights.empty())
                        throw SceneError("JOINTS_0 and WEIGHTS_0 must come together");
                    for (float j : joints) {
                        if (!(j >= 0 && j < 65536))
                            throw SceneError("JOINTS_0 holds an invalid index");
                        out.joints.push_back(static_cast<std::uint16_t>(j));
                    }
                    for (std::size_t v = 0; v < out.weights.size(); v += 4) {
                        float sum = 0;
                        for (int k = 0; k < 4; ++k) {
                            if (!(out.weights[v + k] >= 0))
                                throw SceneError(
                                    "WEIGHTS_0 holds a negative or NaN weight");
                            sum += out.weights[v + k];
                        }
                        if (!(sum > 1e-6f) || !std::isfinite(sum))
                            throw SceneError("WEIGHTS_0 of a vertex sum to zero");
                        for (int k = 0; k < 4; ++k)
                            out.weights[v + k] /= sum;  // spec: sum is 1
                    }
                    std::vector<std::uint32_t> idx;
                    if (p.indices >= 0) {
                        idx = detail::read_indices(model, p.indices, "indices");
                    } else {
                        idx.resize(nv);
                        for (std::size_t i = 0; i < nv; ++i)
                            idx[i] = static_cast<std::uint32_t>(i);
                    }
                    for (auto i : idx)
                        if (i >= nv)
                            throw SceneError("index " + std::to_string(i) +
                                             " is past the vertex count " +
                                             std::to_string(nv));
                    out.indices = triangulate(std::move(idx), p.mode);
                } catch (const SceneError& e) {
                    fail(what + ": " + e.what());
                }
                check_finite(out.positions, what + " POSITION");
                check_finite(out.normals, what + " NORMAL");
                check_finite(out.uvs, what + " TEXCOORD_0");
                check_finite(out.tangents, what + " TANGENT");
                out.material =
                    check_index(p.material, scene.materials.size(), what + " material");
                mesh_prims.back().push_back(static_cast<int>(scene.meshes.size()));
                scene.meshes.push_back(std::move(out));
            }
        }
    }

    void cameras_and_lights() {
        for (std::size_t i = 0; i < model.cameras.size(); ++i) {
            const auto& c = model.cameras[i];
            Camera out;
            out.name = c.name;
            out.orthographic = c.type == "orthographic";
            if (!out.orthographic) {
                out.yfov = static_cast<float>(c.perspective.yfov);
                out.aspect = static_cast<float>(c.perspective.aspectRatio);
                out.znear = static_cast<float>(c.perspective.znear);
                if (!(out.yfov > 0.0f && out.yfov < 3.1f) || !std::isfinite(out.aspect))
                    fail("camera " + std::to_string(i) + " ('" + c.name +
                         "') has an invalid yfov or aspect ratio");
            }
            scene.cameras.push_back(out);
        }
        for (std::size_t i = 0; i < model.lights.size(); ++i) {
            const auto& l = model.lights[i];
            const std::string what = "light " + std::to_string(i) + " ('" + l.name + "')";
            Light out;
            out.name = l.name;
            if (l.type == "point")
                out.type = Light::Type::point;
            else if (l.type == "spot")
                out.type = Light::Type::spot;
            else if (l.type == "directional")
                out.type = Light::Type::directional;
            else
                fail(what + " has unknown type '" + l.type + "'");
            for (int c = 0; c < 3 && c < (int)l.color.size(); ++c)
                out.color[c] = static_cast<float>(l.color[c]);
            out.intensity = static_cast<float>(l.intensity);
            out.range = static_cast<float>(l.range);
            out.inner_cone = static_cast<float>(l.spot.innerConeAngle);
            out.outer_cone = static_cast<float>(l.spot.outerConeAngle);
            check_finite({out.color[0], out.color[1], out.color[2], out.intensity,
                          out.range, out.inner_cone, out.outer_cone},
                         what);
            if (out.intensity < 0) fail(what + " has a negative intensity");
            scene.lights.push_back(out);
        }
    }

    void skins() {
        for (std::size_t i = 0; i < model.skins.size(); ++i) {
            const auto& s = model.skins[i];
            const std::string what = "skin " + std::to_string(i) + " ('" + s.name + "')";
            Skin out;
            out.name = s.name;
            for (int j : s.joints) {
                if (j < 0 || j >= static_cast<int>(model.nodes.size()))
                    fail(what + " joint " + std::to_string(j) + " is not a node");
                out.joints.push_back(j);
            }
            if (out.joints.empty()) fail(what + " has no joints");
            if (s.inverseBindMatrices >= 0) {
                std::vector<float> m;
                try {
                    m = detail::read_floats(model, s.inverseBindMatrices, 16,
                                            "inverseBindMatrices");
                } catch (const SceneError& e) {
                    fail(what + ": " + e.what());
                }
                check_finite(m, what + " inverseBindMatrices");
                if (m.size() != 16 * out.joints.size())
                    fail(what + " has a wrong number of inverseBindMatrices");
                for (std::size_t k = 0; k < out.joints.size(); ++k) {
                    Mat4 mat;
                    std::copy(m.begin() + 16 * k, m.begin() + 16 * k + 16, mat.begin());
                    out.inverse_bind.push_back(mat);
                }
            } else {
                out.inverse_bind.assign(out.joints.size(), detail::identity());
            }
            scene.skins.push_back(std::move(out));
        }
    }

    void nodes() {
        const std::size_t n = model.nodes.size();
        scene.nodes.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& src = model.nodes[i];
            Node& dst = scene.nodes[i];
            const std::string what =
                "node " + std::to_string(i) + " ('" + src.name + "')";
            dst.name = src.name;
            if (!src.weights.empty())
                scene.warnings.push_back(what + ": morph targets are not applied");
            dst.skin = check_index(src.skin, scene.skins.size(), what + " skin");
            auto copy = [&](const std::vector<double>& v, float* out, std::size_t len,
                            const char* field) {
                if (v.empty()) return;
                if (v.size() != len) fail(what + " " + field + " has the wrong length");
                for (std::size_t k = 0; k < len; ++k) out[k] = static_cast<float>(v[k]);
                if (!detail::finite(out, static_cast<int>(len)))
                    fail(what + " " + field + " holds NaN or infinite values");
            };
            copy(src.translation, dst.translation.data(), 3, "translation");
            copy(src.rotation, dst.rotation.data(), 4, "rotation");
            copy(src.scale, dst.scale.data(), 3, "scale");
            if (!src.matrix.empty()) {
                copy(src.matrix, dst.matrix.data(), 16, "matrix");
                dst.has_matrix = true;
                if (std::abs(detail::det3(dst.matrix)) < 1e-20f)
                    fail(what + " matrix is degenerate (zero determinant)");
            }
            dst.rotation = detail::normalize(dst.rotation);
            if (check_index(src.mesh, mesh_prims.size(), what + " mesh") >= 0)
                dst.meshes = mesh_prims[src.mesh];
            for (int m : dst.meshes) {
                const Mesh& mesh = scene.meshes[m];
                if (dst.skin < 0 || mesh.joints.empty()) continue;
                const std::size_t nj = scene.skins[dst.skin].joints.size();
                for (auto j : mesh.joints)
                    if (j >= nj)
                        fail(what + " mesh uses joint " + std::to_string(j) +
                             " but its skin has " + std::to_string(nj));
            }
            dst.camera = check_index(src.camera, scene.cameras.size(), what + " camera");
            if (auto it = src.extensions.find("KHR_lights_punctual");
                it != src.extensions.end())
                dst.light = check_index(it->second.Get("light").GetNumberAsInt(),
                                        scene.lights.size(), what + " light");
            for (int c : src.children) {
                check_index(c, n, what + " child");
                if (c < 0 || scene.nodes[c].parent >= 0 || c == static_cast<int>(i))
                    fail(what + " child " + std::to_string(c) +
                         " has two parents (not a tree)");
                scene.nodes[c].parent = static_cast<int>(i);
                dst.children.push_back(c);
            }
        }
        // A cycle leaves nodes whose parent chain never reaches a root. Each node has at
        // most one parent, so walk up once per node, remembering chains already proven
        // good (linear time even for a 100k-deep chain).
        std::vector<char> state(n,
                                0);  // 0 unknown, 1 on the current walk, 2 reaches a root
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<int> walk;
            int p = static_cast<int>(i);
            while (p >= 0 && state[p] == 0) {
                state[p] = 1;
                walk.push_back(p);
                p = scene.nodes[p].parent;
            }
            if (p >= 0 && state[p] == 1)
                fail("node hierarchy contains a cycle at node " + std::to_string(p));
            for (int w : walk) state[w] = 2;
        }
        const int si = model.defaultScene >= 0 ? model.defaultScene : 0;
        if (model.scenes.empty()) {
            for (std::size_t i = 0; i < n; ++i)
                if (scene.nodes[i].parent < 0) scene.roots.push_back(static_cast<int>(i));
            return;
        }
        check_index(si, model.scenes.size(), "default scene");
        for (int r : model.scenes[si].nodes) {
            check_index(r, n, "scene root node");
            if (r < 0 || scene.nodes[r].parent >= 0)
                fail("scene root node " + std::to_string(r) + " is not a root");
            scene.roots.push_back(r);
        }
        environment(model.scenes[si].extras);
    }

    // Scene extras may name an environment: {"environment": {"color": [r,g,b],
    // "map": "sky.hdr", "intensity": 1}} (glTF itself has no notion of one).
    void environment(const tinygltf::Value& extras) {
        if (!extras.IsObject() || !extras.Has("environment")) return;
        const auto& env = extras.Get("environment");
        auto& out = scene.environment;
        if (env.Has("color") && env.Get("color").IsArray())
            for (int c = 0; c < 3 && c < (int)env.Get("color").ArrayLen(); ++c)
                out.color[c] = env.Get("color").Get(c).GetNumberAsDouble();
        if (env.Has("intensity"))
            out.intensity = env.Get("intensity").GetNumberAsDouble();
        if (env.Has("map") && env.Get("map").IsString()) {
            out.map = file.parent_path() / env.Get("map").Get<std::string>();
            if (!fs::is_regular_file(out.map))
                fail("missing environment map '" + env.Get("map").Get<std::string>() +
                     "'");
            out.map = fs::absolute(out.map);
        }
        check_finite({out.color[0], out.color[1], out.color[2], out.intensity},
                     "environment");
    }

    void animations() {
        for (std::size_t ai = 0; ai < model.animations.size(); ++ai) {
            const auto& a = model.animations[ai];
            Animation out;
            out.name = a.name;
            for (std::size_t ci = 0; ci < a.channels.size(); ++ci) {
                const auto& ch = a.channels[ci];
                const std::string what =
                    "animation " + std::to_string(ai) + " channel " + std::to_string(ci);
                if (ch.target_path == "weights") {
                    scene.warnings.push_back(what + ": morph weights are not animated");
                    continue;
                }
                AnimationChannel c;
                if (ch.target_path == "translation")
                    c.path = AnimationChannel::Path::translation;
                else if (ch.target_path == "rotation")
                    c.path = AnimationChannel::Path::rotation;
                else if (ch.target_path == "scale")
                    c.path = AnimationChannel::Path::scale;
                else
                    fail(what + " targets unknown path '" + ch.target_path + "'");
                c.node = check_index(ch.target_node, scene.nodes.size(), what + " node");
                if (c.node < 0)
                    continue;  // no target: allowed by the spec, nothing to do
                if (scene.nodes[c.node].has_matrix)
                    fail(what + " animates a node that has a matrix");
                check_index(ch.sampler, a.samplers.size(), what + " sampler");
                if (ch.sampler < 0) fail(what + " has no sampler");
                const auto& s = a.samplers[ch.sampler];
                if (s.interpolation == "STEP")
                    c.interpolation = AnimationChannel::Interpolation::step;
                else if (s.interpolation == "CUBICSPLINE")
                    c.interpolation = AnimationChannel::Interpolation::cubic_spline;
                else if (s.interpolation.empty() || s.interpolation == "LINEAR")
                    c.interpolation = AnimationChannel::Interpolation::linear;
                else
                    fail(what + " has unknown interpolation '" + s.interpolation + "'");
                try {
                    c.times = detail::read_floats(model, s.input, 1, "input");
                    c.values = detail::read_floats(model, s.output, c.width(), "output");
                } catch (const SceneError& e) {
                    fail(what + ": " + e.what());
                }
                check_finite(c.times, what + " key times");
                check_finite(c.values, what + " key values");
                if (c.times.empty()) fail(what + " has no keys");
                for (std::size_t k = 1; k < c.times.size(); ++k)
                    if (!(c.times[k] > c.times[k - 1]))
                        fail(what + " key times are not increasing");
                const std::size_t per =
                    c.interpolation == AnimationChannel::Interpolation::cubic_spline ? 3
                                                                                     : 1;
                if (c.values.size() != c.times.size() * per * c.width())
                    fail(what + " has " + std::to_string(c.values.size() / c.width()) +
                         " output values for " + std::to_string(c.times.size()) +
                         " keys");
                out.channels.push_back(std::move(c));
            }
            scene.animations.push_back(std::move(out));
        }
    }
};

}  // namespace

float Scene::duration() const {
    float d = 0;
    for (const auto& a : animations)
        for (const auto& c : a.channels) d = std::max(d, c.times.back());
    return d;
}

std::size_t Scene::triangle_count() const {
    std::size_t n = 0;
    for (const auto& m : meshes) n += m.triangle_count();
    return n;
}

Scene load_gltf(const fs::path& file) {
    Loader l;
    l.file = file;
    if (!fs::is_regular_file(file)) l.fail("no such file");
    l.parse();
    l.textures();
    l.materials();
    l.meshes();
    l.cameras_and_lights();
    l.skins();
    l.nodes();
    l.animations();
    l.scene.source = fs::absolute(file);
    return std::move(l.scene);
}

}  // namespace farm::scene
