// Container metadata from the runtimes' own sources, on a worker thread.
#include "src/containers/container_metadata.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/common/asio_step.h"
#include "src/common/log.h"
#include "src/common/spawn.h"

namespace vigil::containers {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using local = net::local::stream_protocol;
using error_code = boost::system::error_code;
constexpr auto kTimeout = std::chrono::milliseconds(5000);

// GET `target` from Docker's API on its UNIX socket; the JSON body, or nullopt with `error`.
std::optional<nlohmann::json> docker_get(const std::string& socket, const std::string& target,
                                         std::string& error) {
  net::io_context io;
  beast::basic_stream<local, net::any_io_executor, beast::unlimited_rate_policy> stream(io);
  auto close = [&] { stream.close(); };
  stream.expires_after(kTimeout);
  if (auto ec = run_step(
          io, kTimeout, [&](auto h) { stream.async_connect(local::endpoint(socket), h); }, close)) {
    error = "docker API " + socket + ": " + ec.message();
    return std::nullopt;
  }
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "vigil");
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  stream.expires_after(kTimeout);
  error_code ec = run_step(
      io, kTimeout, [&](auto h) { http::async_write(stream, req, h); }, close);
  if (!ec) {
    stream.expires_after(kTimeout);
    ec = run_step(
        io, kTimeout, [&](auto h) { http::async_read(stream, buf, res, h); }, close);
  }
  if (ec) {
    error = "docker API GET " + target + ": " + ec.message();
    return std::nullopt;
  }
  if (res.result_int() != 200) {
    error = "docker API GET " + target + ": HTTP " + std::to_string(res.result_int());
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(res.body(), nullptr, false);
  if (!j.is_object()) {
    error = "docker API GET " + target + ": not a JSON object";
    return std::nullopt;
  }
  return j;
}

ContainerMeta docker_meta(const std::string& socket, const std::string& id) {
  ContainerMeta m;
  m.id = id;
  m.type = "docker";
  auto c = docker_get(socket, "/containers/" + id + "/json", m.error);
  if (!c) return m;
  m.name = str_of(*c, "Name");
  if (!m.name.empty() && m.name[0] == '/') m.name.erase(0, 1);
  m.image = c->contains("Config") ? str_of((*c)["Config"], "Image") : std::string();
  const std::string image_id = str_of(*c, "Image");
  if (!image_id.empty()) {
    std::string ignored;
    if (auto img = docker_get(socket, "/images/" + image_id + "/json", ignored)) {
      // "busybox@sha256:...": the digest the registry gave this image
      const auto digests = img->contains("RepoDigests") ? (*img)["RepoDigests"] : nlohmann::json();
      for (const auto& d : digests.is_array() ? digests : nlohmann::json::array()) {
        if (!d.is_string()) continue;
        const std::string s = d.get<std::string>();
        if (auto at = s.find('@'); at != std::string::npos) {
          m.digest = s.substr(at + 1);
          break;
        }
      }
    }
  }
  return m;
}

// Runs `argv` (no shell), its stdout, within kTimeout; nullopt with `error` otherwise.
std::optional<std::string> run_program(const std::vector<std::string>& argv, std::string& error) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd r(p[0]), w(p[1]);
  const pid_t pid = spawn_program(argv, -1, w.get(), true, error);
  w.reset();
  if (pid < 0) return std::nullopt;
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd pf{r.get(), POLLIN, 0};
    if (left <= 0 || ::poll(&pf, 1, int(left)) == 0) {
      timed_out = true;
      break;
    }
    char buf[4096];
    const ssize_t n = ::read(r.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < (1 << 20)) out.append(buf, size_t(n));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = argv[0] + (timed_out ? " timed out" : " failed");
    return std::nullopt;
  }
  return out;
}

ContainerMeta containerd_meta(const MetadataSources& s, const std::string& ns,
                              const std::string& id) {
  ContainerMeta m;
  m.id = id;
  m.type = "containerd";
  m.name = id;  // what `ctr run IMAGE ID` was given
  // The containerd that runs it is the one that knows it.
  std::optional<std::string> info;
  std::string socket;
  for (const auto& candidate : s.containerd_sockets) {
    std::string error;
    info = run_program({s.ctr, "--address", candidate, "-n", ns, "containers", "info", id}, error);
    if (info) {
      socket = candidate;
      break;
    }
    m.error += (m.error.empty() ? "" : "; ") + candidate + ": " + error;
  }
  if (!info) return m;
  m.error.clear();
  auto j = nlohmann::json::parse(*info, nullptr, false);
  if (!j.is_object()) {
    m.error = "ctr containers info: not JSON";
    return m;
  }
  m.image = str_of(j, "Image");
  if (const std::string n = j.contains("Labels") ? str_of(j["Labels"], "nerdctl/name") : "";
      !n.empty()) {
    m.name = n;
  }
  if (!m.image.empty()) {
    std::string ignored;
    // REF TYPE DIGEST SIZE PLATFORMS LABELS
    if (auto ls = run_program(
            {s.ctr, "--address", socket, "-n", ns, "images", "ls", "name==" + m.image}, ignored)) {
      std::istringstream lines(*ls);
      std::string line;
      std::getline(lines, line);  // the header
      if (std::getline(lines, line)) {
        std::istringstream cols(line);
        std::string ref, type, digest;
        cols >> ref >> type >> digest;
        if (digest.rfind("sha256:", 0) == 0) m.digest = digest;
      }
    }
  }
  return m;
}

}  // namespace

MetadataResolver::MetadataResolver(boost::asio::io_context& io, MetadataSources sources, Done done)
    : shared_(std::make_shared<Shared>()), done_(std::move(done)), wake_(io) {
  shared_->sources = std::move(sources);
  shared_->event.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  error_code ec;
  wake_.assign(::dup(shared_->event.get()), ec);
  arm();
  std::thread([s = shared_] { run(s); }).detach();
}

MetadataResolver::~MetadataResolver() {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->stop = true;
  }
  shared_->cv.notify_all();
  error_code ignored;
  wake_.close(ignored);
}

void MetadataResolver::resolve(const std::string& full_id, const std::string& bundle,
                               const std::map<std::string, std::string>& annotations) {
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->requests.push_back({full_id, bundle, annotations});
  }
  shared_->cv.notify_one();
}

void MetadataResolver::arm() {
  wake_.async_wait(net::posix::stream_descriptor::wait_read, [this](const error_code& ec) {
    if (ec) return;
    uint64_t n;
    (void)!::read(shared_->event.get(), &n, sizeof(n));
    std::deque<ContainerMeta> ready;
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      ready.swap(shared_->results);
    }
    for (const auto& m : ready) done_(m);
    arm();
  });
}

void MetadataResolver::run(const std::shared_ptr<Shared>& s) {
  std::unique_lock<std::mutex> lock(s->mu);
  for (;;) {
    s->cv.wait(lock, [&] { return s->stop || !s->requests.empty(); });
    if (s->stop) return;
    Request r = std::move(s->requests.front());
    s->requests.pop_front();
    lock.unlock();
    ContainerMeta m = lookup(s->sources, r);
    lock.lock();
    s->results.push_back(std::move(m));
    const uint64_t one = 1;
    (void)!::write(s->event.get(), &one, sizeof(one));
  }
}

ContainerMeta MetadataResolver::lookup(const MetadataSources& sources, const Request& r) {
  const ContainerOrigin o = origin_of(r.bundle, r.annotations);
  if ((o.type == "docker" && sources.docker) || (o.type == "podman" && sources.podman)) {
    ContainerMeta m = files_meta(r.id, r.bundle, r.annotations);
    // Docker's files live where dockerd's data root is; its API knows it wherever that is.
    if (!m.known() && o.type == "docker") m = docker_meta(sources.docker_socket, r.id);
    return m;
  }
  if (o.type == "containerd" && !o.namespace_.empty() && sources.containerd) {
    return containerd_meta(sources, o.namespace_, r.id);
  }
  ContainerMeta m;  // CRI-O, CRI without a shim path, plain runc/crun: annotations only
  m.id = r.id;
  m.type = o.type;
  return m;
}

}  // namespace vigil::containers
