#include "test_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace farm::test {

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "farm-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
}

transfer::Bytes random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    transfer::Bytes out(n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t v = rng();
        std::memcpy(out.data() + i, &v, 8);
    }
    for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(rng());
    return out;
}

void write_bytes(const fs::path& path, transfer::ByteView bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

transfer::Bytes read_bytes(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    return transfer::Bytes(std::istreambuf_iterator<char>(f), {});
}

void make_random_tree(const fs::path& root, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    fs::create_directories(root);
    std::vector<fs::path> dirs{root};
    for (int i = 0; i < 6; ++i) {
        fs::path d = dirs[rng() % dirs.size()] / ("dir" + std::to_string(i));
        fs::create_directories(d);
        dirs.push_back(d);
    }
    fs::create_directories(root / "empty_dir");
    for (int i = 0; i < 30; ++i) {
        fs::path f = dirs[rng() % dirs.size()] / ("file" + std::to_string(i) + ".bin");
        std::size_t size;
        switch (rng() % 5) {
            case 0: size = 0; break;
            case 1: size = rng() % 100; break;
            case 2: size = 300'000 + rng() % 1'500'000; break;
            default: size = rng() % 70'000; break;
        }
        transfer::Bytes data = random_bytes(size, rng());
        if (rng() % 2) {  // compressible: a short alphabet
            for (auto& b : data) b = static_cast<std::uint8_t>('a' + b % 4);
        }
        write_bytes(f, data);
        const fs::perms modes[] = {fs::perms(0644), fs::perms(0755), fs::perms(0600),
                                   fs::perms(0640)};
        fs::permissions(f, modes[rng() % 4]);
    }
    fs::create_directory_symlink("dir0", root / "link_to_dir0");
    fs::create_symlink("dir0/../file_missing", root / "dangling_inside");
    fs::permissions(root / "empty_dir", fs::perms(0700));
}

namespace {

struct Node {
    char kind;
    unsigned mode;
    std::string content;  // file bytes or link target
};

std::map<std::string, Node> describe(const fs::path& root) {
    std::map<std::string, Node> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string rel = it->path().lexically_relative(root).generic_string();
        struct stat st;
        ::lstat(it->path().c_str(), &st);
        Node n{'f', static_cast<unsigned>(st.st_mode & 07777), {}};
        if (S_ISDIR(st.st_mode)) n.kind = 'd';
        else if (S_ISLNK(st.st_mode)) {
            n.kind = 'l';
            n.mode = 0;
            n.content = fs::read_symlink(it->path()).string();
        } else {
            auto bytes = read_bytes(it->path());
            n.content.assign(bytes.begin(), bytes.end());
        }
        out[rel] = std::move(n);
    }
    return out;
}

}  // namespace

bool same_tree(const fs::path& a, const fs::path& b, std::string& why) {
    auto da = describe(a), db = describe(b);
    for (const auto& [path, node] : da) {
        auto it = db.find(path);
        if (it == db.end()) return why = "missing in copy: " + path, false;
        if (it->second.kind != node.kind) return why = "kind differs: " + path, false;
        if (it->second.mode != node.mode) return why = "mode differs: " + path, false;
        if (it->second.content != node.content) return why = "content differs: " + path, false;
    }
    if (db.size() != da.size()) return why = "copy has extra entries", false;
    return true;
}

}  // namespace farm::test
