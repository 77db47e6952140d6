#include "local_farm.h"

#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>
#include <thread>

#include "farm/transfer/http_client.h"

namespace fs = std::filesystem;

namespace farm::test {

namespace {
gateway::test::GatewayOptions options_for(const fs::path& data, const std::string& listen,
                                          const std::vector<std::string>& args) {
    gateway::test::GatewayOptions o;
    o.data_dir = data;
    o.listen = listen;
    o.extra_args = args;
    return o;
}
}  // namespace

LocalFarm::LocalFarm(std::vector<std::string> gateway_args)
    : gateway_args_(std::move(gateway_args)) {
    gateway_ = std::make_unique<gateway::test::GatewayProcess>(
        options_for(gateway_data(), "127.0.0.1:0", gateway_args_));
    port_ = gateway_->port();
}

LocalFarm::~LocalFarm() {
    for (auto& [name, pid] : workers_) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
}

std::string LocalFarm::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

pid_t LocalFarm::start_worker(const std::string& name, const std::string& site) {
    fs::create_directories(dir() / "logs");
    pid_t pid = spawn_process({FARM_WORKER_BIN, "--gateway", url(), "--site", site, "--name", name,
                               "--cache", (dir() / "worker-cache").string(), "--work",
                               (dir() / ("work-" + name)).string(), "--renderer", FARM_RENDER_BIN,
                               "--device", "cpu", "--lease-wait-s", "2"},
                              (dir() / "logs" / name).string());
    workers_[name] = pid;
    return pid;
}

void LocalFarm::kill_worker(const std::string& name) {
    auto it = workers_.find(name);
    if (it == workers_.end()) return;
    ::kill(it->second, SIGKILL);
    ::waitpid(it->second, nullptr, 0);
    workers_.erase(it);
}

void LocalFarm::kill_gateway() {
    gateway_->kill_hard();
    gateway_.reset();
}

void LocalFarm::restart_gateway() {
    // The port was ours a moment ago; another process taking it in between is unlikely
    // on loopback, and the start fails loudly if it happens.
    gateway_ = std::make_unique<gateway::test::GatewayProcess>(
        options_for(gateway_data(), "127.0.0.1:" + std::to_string(port_), gateway_args_));
}

ProcessResult LocalFarm::farm(std::vector<std::string> args) {
    args.insert(args.begin(), FARM_CLI_BIN);
    args.push_back("--gateway");
    args.push_back(url());
    return run_process(args);
}

std::string LocalFarm::push_and_submit(const fs::path& dir, const std::string& project,
                                       std::vector<std::string> submit_args) {
    auto pushed = farm({"push", dir.string(), "--project", project, "--cache", "none", "-q"});
    if (pushed.exit_code != 0) throw std::runtime_error("farm push failed: " + pushed.err);
    std::vector<std::string> args{"submit", project, "--json"};
    args.insert(args.end(), submit_args.begin(), submit_args.end());
    auto submitted = farm(args);
    if (submitted.exit_code != 0) throw std::runtime_error("farm submit failed: " + submitted.err);
    auto job = boost::json::parse(submitted.out).as_object();
    return std::string(job.at("id").as_string());
}

boost::json::value LocalFarm::get(const std::string& target) {
    transfer::HttpConnection conn(transfer::Endpoint::parse(url()));
    auto reply = conn.request(boost::beast::http::verb::get, target);
    transfer::expect_success(reply, "GET " + target);
    return boost::json::parse(reply.body);
}

boost::json::object LocalFarm::wait_for_job(const std::string& job, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    boost::json::object last;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            last = get("/api/v1/jobs/" + job).as_object();
            std::string state(last.at("state").as_string());
            if (state == "done" || state == "failed" || state == "canceled") return last;
        } catch (const std::exception&) {
            // The gateway may be restarting; keep polling until the deadline.
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("job " + job + " did not finish in time; last state: " +
                             boost::json::serialize(last));
}

}  // namespace farm::test
