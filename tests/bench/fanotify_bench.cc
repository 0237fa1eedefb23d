// The fanotify path's cost, in one run: open+close of 1000 files, N passes, on a tmpfs
// mount watched (1) by nothing, (2) by a minimal C responder that answers FAN_ALLOW, and
// (3) by the vigil daemon with file rules that do not match these files. Targets:
// repeated opens under vigil <= 1.15x bare (the decision cache keeps them in the kernel);
// first opens under vigil <= 1.25x the minimal responder. Needs root (mount, fanotify).
// (3) runs twice: with the default per-directory cache (after the first file, the others
// of the directory stay in the kernel) and with `decision_cache: file`, where every first
// open reaches vigil: that row is vigil's cost per event.
// usage: fanotify_bench VIGIL [ROUNDS]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/bench/bench_daemon.h"

namespace {

constexpr int kFiles = 1000;
constexpr int kPasses = 10;

double now_ns() {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count());
}

// ns per open+close for the first pass and the mean of the later passes.
std::pair<double, double> passes(const std::vector<std::string>& files) {
  double first = 0, rest = 0;
  for (int p = 0; p < kPasses; ++p) {
    const double start = now_ns();
    for (const auto& f : files) {
      int fd = open(f.c_str(), O_RDONLY);
      if (fd < 0) std::abort();
      close(fd);
    }
    const double per = (now_ns() - start) / double(files.size());
    if (p == 0) {
      first = per;
    } else {
      rest += per / (kPasses - 1);
    }
  }
  return {first, rest};
}

// The minimal responder: a separate program (this binary in --respond mode, exec'd as the
// daemon is: a merely forked child measured several times slower) that answers FAN_ALLOW
// to every permission event.
int respond_forever(const char* mount) {
  int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC);
  if (fd < 0 ||
      fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, AT_FDCWD, mount) != 0) {
    return 1;
  }
  if (write(3, "r", 1) != 1) return 1;  // ready
  close(3);
  alignas(fanotify_event_metadata) char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, -1) <= 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) continue;
    auto* m = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
      fanotify_response r{m->fd, FAN_ALLOW};
      if (write(fd, &r, sizeof(r)) < 0) return 1;
      close(m->fd);
    }
  }
}

struct MinimalResponder {
  pid_t pid = -1;
  explicit MinimalResponder(const std::string& mount) {
    int ready[2];
    if (pipe(ready) != 0) std::abort();
    pid = fork();
    if (pid == 0) {
      dup2(ready[1], 3);
      execl("/proc/self/exe", "fanotify_bench", "--respond", mount.c_str(), nullptr);
      _exit(127);
    }
    close(ready[1]);
    char ok = 0;
    if (read(ready[0], &ok, 1) != 1 || ok != 'r') std::abort();
    close(ready[0]);
  }
  ~MinimalResponder() {
    kill(pid, SIGKILL);  // its group goes with it: pending events are allowed
    waitpid(pid, nullptr, 0);
  }
};

bool control(const std::string& sock, const std::string& line) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  const std::string msg = line + "\n";
  if (write(s, msg.data(), msg.size()) < 0) return false;
  char buf[4096];
  ssize_t n = read(s, buf, sizeof(buf));  // waits for the answer: the marks are in place
  close(s);
  return n > 0 && std::string(buf, size_t(n)).find("\"ok\":true") != std::string::npos;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--respond") return respond_forever(argv[2]);
  if (argc < 2) {
    std::fprintf(stderr, "usage: fanotify_bench VIGIL [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  char tmpl[] = "/tmp/vigil-fbench.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string mnt = dir + "/mnt";
  std::filesystem::create_directories(mnt);
  std::filesystem::create_directories(dir + "/bundle");
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64m") != 0) {
    std::perror("mount tmpfs (needs root)");
    return 1;
  }
  std::vector<std::string> files;
  for (int i = 0; i < kFiles; ++i) {
    files.push_back(mnt + "/f" + std::to_string(i));
    std::ofstream(files.back()) << "x";
  }
  std::ofstream(dir + "/bundle/config.json") << "{\"root\":{\"path\":\"" << mnt << "\"}}";
  std::vector<double> bare_first, bare_rest, min_first, min_rest, vig_first, vig_rest;
  std::vector<double> file_first, file_rest;
  {
    const std::string rules = R"(
- rule: Block reading shadow
  desc: a file rule that does not match the benchmark's files
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: o
  priority: WARNING
  action: block
)";
    std::filesystem::create_directories(dir + "/d1");
    std::filesystem::create_directories(dir + "/d2");
    vigil::bench::BenchDaemon daemon(argv[1], dir + "/d1", rules);
    vigil::bench::BenchDaemon per_file(argv[1], dir + "/d2", rules, "decision_cache: file\n");
    // Watches the mount with `d` for one set of passes.
    auto under = [&](vigil::bench::BenchDaemon& d, const std::string& id) {
      const std::string state = "{\"id\":\"" + id + "\",\"pid\":" + std::to_string(getpid()) +
                                ",\"bundle\":\"" + dir + "/bundle\"}";
      if (!control(d.control(), "{\"op\":\"container_created\",\"state\":" + state + "}")) {
        std::fprintf(stderr, "the daemon did not watch the mount\n");
        std::exit(1);
      }
      usleep(500000);
      auto v = passes(files);
      control(d.control(), "{\"op\":\"container_stopped\",\"state\":" + state + "}");
      return v;
    };
    for (int r = 0; r < rounds; ++r) {
      auto b = passes(files);
      bare_first.push_back(b.first);
      bare_rest.push_back(b.second);
      {
        MinimalResponder responder(mnt);
        usleep(500000);  // each watcher gets the same settling time before it is measured
        auto m = passes(files);
        min_first.push_back(m.first);
        min_rest.push_back(m.second);
      }
      auto v = under(daemon, "fbench-" + std::to_string(r));
      vig_first.push_back(v.first);
      vig_rest.push_back(v.second);
      auto f = under(per_file, "fbench-file-" + std::to_string(r));
      file_first.push_back(f.first);
      file_rest.push_back(f.second);
    }
  }  // the daemons stop here
  umount2(mnt.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  auto paired = [](const std::vector<double>& x, const std::vector<double>& base) {
    std::vector<double> r;
    for (size_t i = 0; i < x.size(); ++i) r.push_back(x[i] / base[i]);
    return median(r);
  };
  const double rep = paired(vig_rest, bare_rest), first = paired(vig_first, min_first);
  std::printf("%-58s %14s %14s\n", "open+close of 1000 files (medians over rounds)",
              "first pass ns", "later ns");
  std::printf("%-58s %14.0f %14.0f\n", "bare (no fanotify)", median(bare_first), median(bare_rest));
  std::printf("%-58s %14.0f %14.0f\n", "minimal C responder (FAN_ALLOW)", median(min_first),
              median(min_rest));
  std::printf("%-58s %14.0f %14.0f\n", "vigil daemon, rules that do not match these files",
              median(vig_first), median(vig_rest));
  std::printf("%-58s %14.0f %14.0f\n", "  the same with decision_cache: file (each file judged)",
              median(file_first), median(file_rest));
  std::printf("\n%-58s %9.3fx  (target 1.15x)\n", "repeated opens: vigil / bare", rep);
  std::printf("%-58s %9.3fx  (target 1.25x)\n", "first opens: vigil / minimal responder", first);
  std::printf("%-58s %9.3fx  (every first open reaches vigil)\n",
              "first opens, decision_cache: file / minimal responder",
              paired(file_first, min_first));
  std::printf("%-58s %9.3fx\n", "repeated opens, decision_cache: file / bare",
              paired(file_rest, bare_rest));
  std::printf("%-58s %9.3fx\n", "repeated opens: minimal responder / bare",
              paired(min_rest, bare_rest));
  std::printf("\nrounds: %d, %d passes over %d files each; targets %s\n", rounds, kPasses, kFiles,
              rep <= 1.15 && first <= 1.25 ? "met" : "MISSED");
  return 0;
}
