// CUDA backend: uploads the flattened scene, a host-built BVH and 8-bit textures, then
// runs the shared integrator (core/integrator.h) one thread per pixel. Only the ray
// intersector (core/bvh.h) and the texture fetch (core/array_textures.h) differ from the
// CPU backend, and both are themselves shared headers.
#include <cuda_runtime.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "core/array_textures.h"
#include "core/bvh.h"
#include "core/integrator.h"
#include "cuda/bvh_builder.h"
#include "cuda/texture_bake.h"

namespace farm::render {
namespace {

#define CUDA_CHECK(call)                                             \
    do {                                                             \
        const cudaError_t err_ = (call);                             \
        if (err_ != cudaSuccess)                                     \
            throw RenderError(std::string("CUDA: ") + #call + ": " + \
                              cudaGetErrorString(err_));             \
    } while (0)

// Device allocations freed when the render ends, on success or error.
class DeviceArena {
  public:
    ~DeviceArena() {
        for (void* p : blocks_) cudaFree(p);
    }
    template <class T>
    T* upload(const T* data, std::size_t count) {
        if (count == 0) return nullptr;
        void* p = nullptr;
        CUDA_CHECK(cudaMalloc(&p, count * sizeof(T)));
        blocks_.push_back(p);
        if (data)
            CUDA_CHECK(cudaMemcpy(p, data, count * sizeof(T), cudaMemcpyHostToDevice));
        return static_cast<T*>(p);
    }
    template <class T>
    T* upload(const std::vector<T>& v) {
        return upload(v.data(), v.size());
    }

  private:
    std::vector<void*> blocks_;
};

struct Outputs {
    float *rgba, *albedo, *normal, *depth;
    unsigned long long* rays;
};

__global__ void render_kernel(SceneView s, BvhView bvh, ArrayTextures tex, CameraView cam,
                              Region region, int row0, int row1, unsigned frame, int spp,
                              PathOptions path, Outputs out) {
    const int x = region.x0 + blockIdx.x * blockDim.x + threadIdx.x;
    const int y = row0 + blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= region.x1 || y >= row1) return;
    unsigned long long rays = 0;
    const BvhTracer tracer{bvh};
    const PixelResult p =
        render_pixel(s, tracer, tex, cam, frame, x, y, spp, path, rays);
    const long i =
        static_cast<long>(y - region.y0) * (region.x1 - region.x0) + (x - region.x0);
    out.rgba[i * 4 + 0] = p.color.x;
    out.rgba[i * 4 + 1] = p.color.y;
    out.rgba[i * 4 + 2] = p.color.z;
    out.rgba[i * 4 + 3] = p.alpha;
    out.albedo[i * 3 + 0] = p.albedo.x;
    out.albedo[i * 3 + 1] = p.albedo.y;
    out.albedo[i * 3 + 2] = p.albedo.z;
    out.normal[i * 3 + 0] = p.normal.x;
    out.normal[i * 3 + 1] = p.normal.y;
    out.normal[i * 3 + 2] = p.normal.z;
    out.depth[i] = p.depth;
    atomicAdd(out.rays, rays);
}

}  // namespace

bool cuda_device_present() {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

Image render_cuda(const RenderScene& scene, const RenderOptions& options,
                  const Region& region, RenderStats& stats) {
    const auto t0 = std::chrono::steady_clock::now();
    // The path loop, BVH stack and shading locals need more than the default 1 KiB stack.
    CUDA_CHECK(cudaDeviceSetLimit(cudaLimitStackSize, 8192));
    DeviceArena arena;
    // Meshes: copy each mesh's arrays and point a device-side MeshView at them.
    std::vector<MeshView> meshes = scene.meshes;
    for (MeshView& m : meshes) {
        std::uint32_t nv = 0;
        for (std::uint32_t k = 0; k < 3 * m.triangle_count; ++k)
            nv = std::max(nv, m.indices[k] + 1);
        m.positions = arena.upload(m.positions, 3 * nv);
        m.normals = m.normals ? arena.upload(m.normals, 3 * nv) : nullptr;
        m.uvs = m.uvs ? arena.upload(m.uvs, 2 * nv) : nullptr;
        m.tangents = m.tangents ? arena.upload(m.tangents, 4 * nv) : nullptr;
        m.indices = arena.upload(m.indices, 3 * m.triangle_count);
    }
    SceneView s = scene.view();
    s.meshes = arena.upload(meshes);
    s.instances = arena.upload(scene.instances);
    s.materials = arena.upload(scene.materials);
    s.lights = arena.upload(scene.lights);
    s.light_cdf = arena.upload(scene.light_cdf);
    if (s.env.map) {
        s.env.map = arena.upload(scene.env_map);
        s.env.marginal_cdf = arena.upload(scene.env_marginal);
        s.env.conditional_cdf = arena.upload(scene.env_conditional);
    }
    std::vector<ArrayTexture> textures;
    for (const TextureSource& src : scene.textures) {
        const BakedTexture b = bake_texture(src);
        textures.push_back(array_texture(b, src, arena.upload(b.rgba)));
    }
    const ArrayTextures tex{arena.upload(textures)};
    const FlatBvh flat = build_bvh(scene);
    const BvhView bvh{arena.upload(flat.nodes), arena.upload(flat.tris),
                      arena.upload(flat.tri_instance), arena.upload(flat.tri_primitive)};
    Image img = make_image(region, options.width, options.height);
    const std::size_t n = static_cast<std::size_t>(region.width()) * region.height();
    Outputs out{arena.upload<float>(nullptr, 4 * n), arena.upload<float>(nullptr, 3 * n),
                arena.upload<float>(nullptr, 3 * n), arena.upload<float>(nullptr, n),
                arena.upload<unsigned long long>(nullptr, 1)};
    CUDA_CHECK(cudaMemset(out.rays, 0, sizeof(unsigned long long)));
    CUDA_CHECK(cudaDeviceSynchronize());
    const auto t1 = std::chrono::steady_clock::now();
    stats.setup_seconds = std::chrono::duration<double>(t1 - t0).count();

    // Launch in bands of rows so progress can be shown, each band large enough
    // (>= 256k pixels, about one thread per resident slot on an H100/H200) to fill the GPU.
    const dim3 block(16, 8);
    const int band = std::max(8, (262144 + region.width() - 1) / std::max(1, region.width()));
    for (int row0 = region.y0; row0 < region.y1; row0 += band) {
        const int row1 = std::min(region.y1, row0 + band);
        const dim3 grid((region.width() + block.x - 1) / block.x,
                        (row1 - row0 + block.y - 1) / block.y);
        render_kernel<<<grid, block>>>(s, bvh, tex, scene.camera, region, row0, row1,
                                       static_cast<unsigned>(options.frame), options.spp,
                                       PathOptions{options.max_depth, options.clamp_indirect,
                                                   options.filter_glossy},
                                       out);
        CUDA_CHECK(cudaGetLastError());
        CUDA_CHECK(cudaDeviceSynchronize());
        if (options.progress)
            options.progress(static_cast<double>(row1 - region.y0) / region.height());
    }
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    CUDA_CHECK(cudaMemcpy(img.rgba.data(), out.rgba, 4 * n * sizeof(float),
                          cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(img.albedo.data(), out.albedo, 3 * n * sizeof(float),
                          cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(img.normal.data(), out.normal, 3 * n * sizeof(float),
                          cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(img.depth.data(), out.depth, n * sizeof(float),
                          cudaMemcpyDeviceToHost));
    unsigned long long rays = 0;
    CUDA_CHECK(cudaMemcpy(&rays, out.rays, sizeof rays, cudaMemcpyDeviceToHost));
    stats.rays = rays;
    cudaDeviceProp prop{};
    int dev = 0;
    cudaGetDevice(&dev);
    cudaGetDeviceProperties(&prop, dev);
    stats.device = std::string("cuda (") + prop.name + ", bvh " +
                   std::to_string(flat.nodes.size()) + " nodes)";
    return img;
}

}  // namespace farm::render
