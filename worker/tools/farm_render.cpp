// farm-render PROJECT_DIR_OR_SCENE --frame N [--tile x0,y0,x1,y1] [--spp N] [--res WxH]
//             [--depth N] [--camera NAME] [--device auto|cpu|cuda] -o out.exr [--png
//             p.png]
// Renders one frame (or one tile) to EXR; prints progress and a summary line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "farm/render/benchmark.h"
#include "farm/render/output.h"
#include "farm/render/render.h"
#include "farm/scene/load.h"
#include "farm/scene/settings.h"

namespace {

std::vector<int> parse_ints(const std::string& s, char sep, std::size_t count,
                            const char* what) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const std::size_t next = std::min(s.find(sep, pos), s.size());
        const std::string part = s.substr(pos, next - pos);
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || part.empty() || v < -1000000000LL || v > 1000000000LL)
            throw farm::render::RenderError(std::string(what) + " '" + s + "' is not " +
                                            std::to_string(count) +
                                            " integers separated by '" + sep + "'");
        out.push_back(static_cast<int>(v));
        pos = next + 1;
    }
    if (out.size() != count)
        throw farm::render::RenderError(std::string(what) + " '" + s + "' needs " +
                                        std::to_string(count) + " values");
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"farm-render: path-trace one frame or tile of a glTF project to EXR"};
    std::string project, output, png, tile, res, camera, device = "auto";
    int frame = 1, spp = 0, depth = 0;
    double clamp_indirect = -1, filter_glossy = -1;
    bool quiet = false;
    bool benchmark = false;
    app.add_option("project", project,
                   "project folder (with render.json), settings .json, or .gltf/.glb");
    app.add_flag("--benchmark", benchmark,
                 "render the built-in reference tile and print the speed score (Mrays/s)");
    app.add_option("--frame", frame, "frame number (scene time = frame / fps)");
    app.add_option("--tile", tile,
                   "render only x0,y0,x1,y1 of the frame (pixels, half-open)");
    app.add_option("--spp", spp, "samples per pixel (overrides the project)");
    app.add_option("--res", res, "resolution WxH (overrides the project)");
    app.add_option("--depth", depth, "max path depth (overrides the project)");
    app.add_option("--clamp-indirect", clamp_indirect,
                   "largest r+g+b of one sample's indirect light, 0 = off (overrides the "
                   "project; default 10)");
    app.add_option("--filter-glossy", filter_glossy,
                   "widen sharp gloss after blurry bounces, 0 = off (overrides the project; "
                   "default 1)");
    app.add_option("--camera", camera,
                   "camera or camera-node name (overrides the project)");
    app.add_option("--device", device, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    app.add_option("-o,--output", output, "output EXR path");
    app.add_option("--png", png, "also write a tone-mapped PNG preview here");
    app.add_flag("-q,--quiet", quiet, "no progress display");
    CLI11_PARSE(app, argc, argv);

    if (benchmark) {
        try {
            const auto r = farm::render::run_benchmark(farm::render::parse_device(device));
            std::printf("farm-render: benchmark on %s: %.3f s, %llu rays, %.2f Mrays/s\n",
                        r.device.c_str(), r.seconds, static_cast<unsigned long long>(r.rays),
                        r.mrays_per_s);
            return 0;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "farm-render: benchmark: %s\n", e.what());
            return 1;
        }
    }
    if (project.empty() || output.empty()) {
        std::fprintf(stderr, "farm-render: a project and -o are required (or --benchmark)\n%s",
                     app.help().c_str());
        return 2;
    }

    try {
        farm::scene::RenderSettings s = farm::scene::resolve_project(project);
        if (spp) s.spp = spp;
        if (depth) s.max_depth = depth;
        if (clamp_indirect != -1) s.clamp_indirect = clamp_indirect;
        if (filter_glossy != -1) s.filter_glossy = filter_glossy;
        if (!camera.empty()) s.camera = camera;
        if (!res.empty()) {
            const auto wh = parse_ints(res, 'x', 2, "--res");
            s.width = wh[0];
            s.height = wh[1];
        }
        farm::scene::validate(s, "farm-render");
        const auto t_load = std::chrono::steady_clock::now();
        const farm::scene::Scene scene = farm::scene::load_gltf(s.scene);
        const double load_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load)
                .count();
        for (const auto& w : scene.warnings)
            std::fprintf(stderr, "farm-render: warning: %s\n", w.c_str());

        farm::render::RenderOptions o;
        o.width = s.width;
        o.height = s.height;
        o.spp = s.spp;
        o.max_depth = s.max_depth;
        o.clamp_indirect = static_cast<float>(s.clamp_indirect);
        o.filter_glossy = static_cast<float>(s.filter_glossy);
        o.frame = frame;
        o.time = s.time_of(frame);
        o.camera = s.camera;
        o.device = farm::render::parse_device(device);
        if (!tile.empty()) {
            const auto t = parse_ints(tile, ',', 4, "--tile");
            o.region = {t[0], t[1], t[2], t[3]};
        }
        const bool tty = !quiet && isatty(STDERR_FILENO);
        int last = -1;
        if (tty)
            o.progress = [&last](double f) {  // called under the renderer's progress lock
                const int pct = static_cast<int>(f * 100);
                if (pct != last) {
                    last = pct;
                    std::fprintf(stderr, "\rfarm-render: %3d%%", pct);
                }
            };
        farm::render::RenderStats st;
        const farm::render::Image img = farm::render::render(scene, o, &st);
        if (tty) std::fprintf(stderr, "\n");
        farm::render::write_exr(img, output);
        if (!png.empty()) farm::render::write_png_preview(img, png);
        std::printf(
            "farm-render: frame %d %dx%d region %d,%d,%d,%d spp %d depth %d on %s: "
            "%.3f s render, %.3f s setup, %.3f s load, %llu rays, %.2f Mrays/s -> %s\n",
            frame, o.width, o.height, img.region.x0, img.region.y0, img.region.x1,
            img.region.y1, o.spp, o.max_depth, st.device.c_str(), st.seconds,
            st.setup_seconds, load_s, static_cast<unsigned long long>(st.rays),
            st.mrays_per_second(), output.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "farm-render: error: %s\n", e.what());
        return 1;
    }
}
