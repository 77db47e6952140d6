// The sites file: TOML (converted by toml++ to the JSON form) or JSON, validated in one
// place. Unknown keys are errors too: a misspelt price must not silently become zero.
#include <boost/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "farm/sched/config.h"

namespace farm::sched {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw ConfigError(where + ": " + what);
}

void only_keys(const json::object& o, std::initializer_list<const char*> keys,
               const std::string& where) {
    for (const auto& kv : o) {
        bool ok = false;
        for (const char* k : keys) ok = ok || kv.key() == k;
        if (!ok) fail(where, "unknown key '" + std::string(kv.key()) + "'");
    }
}

const json::object& object_at(const json::value& v, const std::string& where) {
    if (!v.is_object()) fail(where, "must be a table");
    return v.as_object();
}

double number(const json::object& o, const char* key, const std::string& where,
              std::optional<double> fallback = std::nullopt) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (fallback) return *fallback;
        fail(where, std::string("'") + key + "' is missing");
    }
    if (!v->is_number()) fail(where + "." + key, "must be a number");
    const double d = v->to_number<double>();
    if (!std::isfinite(d)) fail(where + "." + key, "must be finite");
    return d;
}

double price(const json::value& v, const std::string& where) {
    if (!v.is_number()) fail(where, "must be a number (yuan)");
    const double d = v.to_number<double>();
    if (!(d >= 0) || !std::isfinite(d)) fail(where, "must be >= 0, not " + json::serialize(v));
    return d;
}

std::string text(const json::object& o, const char* key, const std::string& where,
                 bool required) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (required) fail(where, std::string("'") + key + "' is missing");
        return {};
    }
    if (!v->is_string()) fail(where + "." + key, "must be a string");
    return std::string(v->as_string());
}

int minute_of_day(const std::string& s, const std::string& where) {
    int h = -1, m = -1;
    char extra = 0;
    if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 24 || m < 0 ||
        m > 59 || (h == 24 && m != 0))
        fail(where, "'" + s + "' is not a time of day HH:MM");
    return h * 60 + m;
}

int utc_offset(const std::string& s, const std::string& where) {
    if (s == "Z" || s == "UTC") return 0;
    int h = 0, m = 0;
    char sign = 0;
    if (std::sscanf(s.c_str(), "%c%d:%d", &sign, &h, &m) != 3 || (sign != '+' && sign != '-'))
        fail(where, "utc_offset '" + s + "' is not +HH:MM");
    return (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
}

Tariff parse_tariff(const json::object& o, const std::string& where) {
    only_keys(o, {"utc_offset", "periods", "windows"}, where);
    const std::string off = text(o, "utc_offset", where, false);
    std::map<std::string, double> mult;
    if (const json::value* p = o.if_contains("periods")) {
        for (const auto& kv : object_at(*p, where + ".periods")) {
            const std::string w = where + ".periods." + std::string(kv.key());
            if (!kv.value().is_number()) fail(w, "must be a number");
            mult[std::string(kv.key())] = kv.value().to_number<double>();
        }
    }
    std::vector<Tariff::Window> windows;
    if (const json::value* w = o.if_contains("windows")) {
        if (!w->is_array()) fail(where + ".windows", "must be a list");
        int i = 0;
        for (const auto& e : w->as_array()) {
            const std::string ww = where + ".windows[" + std::to_string(i++) + "]";
            const json::object& wo = object_at(e, ww);
            only_keys(wo, {"from", "to", "period"}, ww);
            windows.push_back({minute_of_day(text(wo, "from", ww, true), ww + ".from"),
                               minute_of_day(text(wo, "to", ww, true), ww + ".to"),
                               text(wo, "period", ww, true)});
        }
    }
    return Tariff(off.empty() ? 8 * 3600 : utc_offset(off, where), std::move(mult),
                  std::move(windows), where);
}

double time_value(const json::object& o, const char* key, const std::string& where) {
    const json::value* v = o.if_contains(key);
    if (!v) fail(where, std::string("'") + key + "' is missing");
    if (v->is_number()) return v->to_number<double>();
    if (v->is_string()) return parse_time(std::string(v->as_string()), where + "." + key);
    fail(where + "." + key, "must be a date-time or unix seconds");
}

json::value to_json(const std::string& text, const std::string& name) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec) throw ConfigError(name + ": not valid JSON: " + ec.message());
        return v;
    }
    try {
        toml::table t = toml::parse(text, name);
        std::ostringstream out;
        out << toml::json_formatter{t};
        return json::parse(out.str());
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << name << ":" << e.source().begin.line << ":" << e.source().begin.column
            << ": not valid TOML: " << e.description();
        throw ConfigError(msg.str());
    }
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool plain_name(const std::string& s) {
    return !s.empty() && s.size() <= 100 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == '.';
           });
}

}  // namespace

double parse_time(const std::string& iso, const std::string& where) {
    std::tm tm{};
    int y, mo, d, h = 0, mi = 0;
    double sec = 0;
    int consumed = 0;
    if (std::sscanf(iso.c_str(), "%d-%d-%d%n", &y, &mo, &d, &consumed) != 3)
        fail(where, "'" + iso + "' is not a date-time like 2026-05-01T00:00:00+08:00");
    std::string rest = iso.substr(static_cast<std::size_t>(consumed));
    int offset = 8 * 3600;  // a bare date or local time is China Standard Time
    if (!rest.empty() && (rest[0] == 'T' || rest[0] == ' ')) {
        int used = 0;
        if (std::sscanf(rest.c_str() + 1, "%d:%d%n", &h, &mi, &used) != 2)
            fail(where, "'" + iso + "' has a bad time of day");
        rest = rest.substr(static_cast<std::size_t>(used) + 1);
        if (!rest.empty() && rest[0] == ':') {
            char* end = nullptr;
            sec = std::strtod(rest.c_str() + 1, &end);
            rest = end;
        }
    }
    if (!rest.empty()) offset = utc_offset(rest, where);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec >= 61)
        fail(where, "'" + iso + "' is not a valid date-time");
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return static_cast<double>(timegm(&tm)) + sec - offset;
}

const Site* SitesConfig::site(const std::string& name) const {
    auto it = sites.find(name);
    return it == sites.end() ? nullptr : &it->second;
}

std::string SitesConfig::classify_gpu(const std::string& gpu_name) const {
    const std::string g = lower(gpu_name);
    std::string best;
    std::size_t best_len = 0;
    for (const auto& [name, cls] : gpu_classes) {
        for (const auto& m : cls.match) {
            if (m.size() > best_len && g.find(lower(m)) != std::string::npos) {
                best = name;
                best_len = m.size();
            }
        }
    }
    return best;
}

SitesConfig parse_sites(const std::string& source_text, const std::string& name) {
    const json::value doc = to_json(source_text, name);
    const json::object& root = object_at(doc, name);
    only_keys(root, {"gpu_classes", "tariffs", "sites", "vouchers"}, name);
    SitesConfig c;
    c.source = name;

    if (const json::value* g = root.if_contains("gpu_classes")) {
        for (const auto& kv : object_at(*g, name + ": gpu_classes")) {
            const std::string cname(kv.key());
            const std::string where = name + ": gpu_classes." + cname;
            if (!plain_name(cname) || cname == "cpu") fail(where, "is not a usable class name");
            const json::object& o = object_at(kv.value(), where);
            only_keys(o, {"match", "mrays_per_s"}, where);
            GpuClass cls{cname, {}, number(o, "mrays_per_s", where, 0.0)};
            if (cls.mrays_per_s < 0) fail(where + ".mrays_per_s", "must be >= 0");
            if (const json::value* m = o.if_contains("match")) {
                if (!m->is_array()) fail(where + ".match", "must be a list of strings");
                for (const auto& s : m->as_array()) {
                    if (!s.is_string() || s.as_string().empty())
                        fail(where + ".match", "must be a list of non-empty strings");
                    cls.match.emplace_back(s.as_string());
                }
            }
            if (cls.match.empty()) cls.match.push_back(cname);
            c.gpu_classes[cname] = std::move(cls);
        }
    }

    std::map<std::string, Tariff> tariffs;
    if (const json::value* t = root.if_contains("tariffs")) {
        for (const auto& kv : object_at(*t, name + ": tariffs")) {
            const std::string where = name + ": tariffs." + std::string(kv.key());
            tariffs[std::string(kv.key())] = parse_tariff(object_at(kv.value(), where), where);
        }
    }

    const json::value* sv = root.if_contains("sites");
    if (!sv) fail(name, "no [sites] table");
    for (const auto& kv : object_at(*sv, name + ": sites")) {
        Site s;
        s.name = std::string(kv.key());
        const std::string where = name + ": sites." + s.name;
        if (!plain_name(s.name)) fail(where, "site names may hold only A-Z a-z 0-9 . _ -");
        const json::object& o = object_at(kv.value(), where);
        only_keys(o, {"region", "tariff", "yuan_per_cpu_core_hour", "yuan_per_gpu_hour", "link",
                      "carbon_g_per_kwh"},
                  where);
        s.region = text(o, "region", where, false);
        const json::value* cpu = o.if_contains("yuan_per_cpu_core_hour");
        if (!cpu) fail(where, "'yuan_per_cpu_core_hour' is missing (0 is a valid price)");
        s.yuan_per_cpu_core_hour = price(*cpu, where + ".yuan_per_cpu_core_hour");
        if (const json::value* g = o.if_contains("yuan_per_gpu_hour")) {
            for (const auto& pk : object_at(*g, where + ".yuan_per_gpu_hour")) {
                const std::string cls(pk.key());
                const std::string pw = where + ".yuan_per_gpu_hour." + cls;
                if (!c.gpu_classes.count(cls))
                    fail(pw, "unknown GPU class '" + cls + "' (declare it under gpu_classes)");
                s.yuan_per_gpu_hour[cls] = price(pk.value(), pw);
            }
        }
        if (const json::value* t = o.if_contains("tariff")) {
            if (t->is_string()) {
                auto it = tariffs.find(std::string(t->as_string()));
                if (it == tariffs.end())
                    fail(where + ".tariff", "unknown tariff '" + std::string(t->as_string()) + "'");
                s.tariff = it->second;
            } else {
                s.tariff = parse_tariff(object_at(*t, where + ".tariff"), where + ".tariff");
            }
        }
        if (const json::value* l = o.if_contains("link")) {
            const std::string lw = where + ".link";
            const json::object& lo = object_at(*l, lw);
            only_keys(lo, {"bandwidth_mbps", "rtt_ms", "yuan_per_gb"}, lw);
            s.link.bandwidth_mbps = number(lo, "bandwidth_mbps", lw, 1000.0);
            s.link.rtt_ms = number(lo, "rtt_ms", lw, 20.0);
            s.link.yuan_per_gb = number(lo, "yuan_per_gb", lw, 0.0);
            if (!(s.link.bandwidth_mbps > 0)) fail(lw + ".bandwidth_mbps", "must be > 0");
            if (s.link.rtt_ms < 0) fail(lw + ".rtt_ms", "must be >= 0");
            if (s.link.yuan_per_gb < 0) fail(lw + ".yuan_per_gb", "must be >= 0");
        }
        if (o.if_contains("carbon_g_per_kwh")) {
            s.carbon_g_per_kwh = number(o, "carbon_g_per_kwh", where);
            if (*s.carbon_g_per_kwh < 0) fail(where + ".carbon_g_per_kwh", "must be >= 0");
        }
        c.sites[s.name] = std::move(s);
    }

    if (const json::value* vv = root.if_contains("vouchers")) {
        if (!vv->is_array()) fail(name + ": vouchers", "must be a list");
        std::set<std::string> ids;
        int i = 0;
        for (const auto& e : vv->as_array()) {
            std::string where = name + ": vouchers[" + std::to_string(i++) + "]";
            const json::object& o = object_at(e, where);
            only_keys(o, {"id", "tenant", "site", "discount_pct", "cap_yuan", "valid_from",
                          "valid_until"},
                      where);
            Voucher v;
            v.id = text(o, "id", where, true);
            where += " (" + v.id + ")";
            if (!plain_name(v.id)) fail(where, "id may hold only A-Z a-z 0-9 . _ -");
            if (!ids.insert(v.id).second) fail(where, "duplicate voucher id");
            v.tenant = text(o, "tenant", where, true);
            v.site = text(o, "site", where, true);
            if (!c.sites.count(v.site)) fail(where, "unknown site '" + v.site + "'");
            v.discount_pct = number(o, "discount_pct", where);
            if (!(v.discount_pct > 0 && v.discount_pct <= 100))
                fail(where + ".discount_pct", "must be in (0, 100]");
            v.cap_yuan = number(o, "cap_yuan", where);
            if (!(v.cap_yuan > 0)) fail(where + ".cap_yuan", "must be > 0");
            v.valid_from = time_value(o, "valid_from", where);
            v.valid_until = time_value(o, "valid_until", where);
            if (!(v.valid_until > v.valid_from))
                fail(where, "valid_until must be after valid_from");
            c.vouchers.push_back(std::move(v));
        }
    }
    return c;
}

SitesConfig load_sites_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError("cannot read sites file " + path.string());
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().size() > (8u << 20)) throw ConfigError(path.string() + ": larger than 8 MiB");
    return parse_sites(s.str(), path.string());
}

}  // namespace farm::sched
