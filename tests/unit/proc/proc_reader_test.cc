// /proc parsing helpers, on this test's own process and on synthetic files.
#include "src/proc/proc_reader.h"
#include "src/proc/blocked_call.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace vigil::proc {
namespace {

TEST(ProcReader, ReadsOwnProcess) {
  auto st = proc::read_status(getpid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->ppid, getppid());
  EXPECT_EQ(st->euid, geteuid());
  EXPECT_EQ(st->tgid, getpid());
  auto stat = proc::read_stat(getpid());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->ppid, getppid());
  EXPECT_GT(stat->start_ticks, 0u);
  EXPECT_FALSE(proc::read_cmdline(getpid()).empty());
  EXPECT_TRUE(proc::read_comm(getpid()));
}

TEST(ProcReader, TheSystemCallAThreadIsBlockedIn) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t child = fork();
  if (child == 0) {
    char c;
    _exit(read(p[0], &c, 1) == 1 ? 0 : 1);  // blocks in read(p[0], &c, 1)
  }
  std::optional<proc::BlockedSyscall> sc;
  for (int i = 0; i < 200 && !(sc && sc->nr == SYS_read); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    sc = proc::read_blocked_syscall(child);
  }
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->nr, SYS_read);
  EXPECT_EQ(sc->args[0], uint64_t(p[0]));
  EXPECT_EQ(sc->args[2], 1u);
  ASSERT_EQ(write(p[1], "x", 1), 1);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_FALSE(proc::read_blocked_syscall(child)) << "a reaped process";

  auto parsed = proc::parse_blocked_syscall(
      "257 0xffffff9c 0x7ffd1000 0x241 0x1b6 0x0 0x0 0x7ffd0ff8 0x4011d0\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->nr, 257);
  EXPECT_EQ(parsed->args[2], 0x241u);
  EXPECT_FALSE(proc::parse_blocked_syscall("running\n"));
  EXPECT_FALSE(proc::parse_blocked_syscall("-1 0x7ffd0ff8 0x4011d0\n"));
  EXPECT_FALSE(proc::parse_blocked_syscall("257 0x1 zz"));
  EXPECT_FALSE(proc::parse_blocked_syscall(""));
}

TEST(ProcReader, MountinfoEscapesAndWhatIsMarked) {
  const std::string mi =
      "22 1 0:21 / /run/rootfs rw - overlay overlay rw\n"
      "23 22 0:22 / /run/rootfs/data\\040dir rw - ext4 /dev/sda rw\n"
      "24 22 0:23 / /run/rootfs/proc rw - proc proc rw\n"
      "25 22 0:24 / /run/rootfs/sys/fs/cgroup rw - cgroup cgroup rw,pids\n"
      "26 22 0:25 / /run/rootfs/odd\\9zz rw - tmpfs tmpfs rw\n"
      "27 1 0:26 / /elsewhere rw - tmpfs tmpfs rw\n"
      "28 22 0:5 /null /run/rootfs/etc/ld.so.preload ro - devtmpfs udev rw\n"
      "29 22 0:5 /sda1 /run/rootfs/dev/sda1 ro - devtmpfs udev rw\n"
      "garbage line\n";
  EXPECT_EQ(proc::parse_container_mounts(mi, "/run/rootfs"),
            (std::vector<std::string>{"/run/rootfs/data dir", "/run/rootfs/sys/fs/cgroup",
                                      "/run/rootfs/odd\\9zz", "/run/rootfs/dev/sda1"}))
      << "/dev/null bound over a file is not marked";
}

size_t open_fds() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) n += !e.path().empty();
  return n;
}

// Files are read through kept fds: what they say now (after an exec), never a gone
// process's, and the fds of gone processes are closed on request.
TEST(ProcReader, KeptFilesFollowTheProcessAndLetGo) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char c;
    ::close(go[1]);
    (void)!::read(go[0], &c, 1);  // wait, then become another program
    ::execl("/bin/sleep", "sleep", "30", nullptr);
    _exit(127);
  }
  ::close(go[0]);
  const size_t before = open_fds();
  auto first = proc::read_comm(child);
  ASSERT_TRUE(first);
  EXPECT_EQ(proc::read_cmdline(child).size(), proc::read_cmdline(::getpid()).size())
      << "a fork's argv";
  EXPECT_GT(open_fds(), before) << "the comm file is kept open";
  (void)!::write(go[1], "x", 1);
  std::optional<std::string> now;
  for (int i = 0; i < 200; ++i) {
    now = proc::read_comm(child);
    if (now && *now == "sleep") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(now.value_or(""), "sleep") << "read again after the exec, not remembered";
  ASSERT_EQ(proc::read_cmdline(child), (std::vector<std::string>{"sleep", "30"}));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(proc::read_comm(child)) << "a gone process has no comm";
  EXPECT_FALSE(proc::read_status(child));
  proc::forget_gone_processes();
  EXPECT_EQ(open_fds(), before) << "its kept fds are closed";
  ::close(go[1]);
}

TEST(ProcReader, PathsResolvedInAProcesssRoot) {
  // This process's root is "/": the links below are followed as the kernel follows them.
  char tmpl[] = "/tmp/resolve_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string d = tmpl;
  ASSERT_EQ(::mkdir((d + "/real").c_str(), 0755), 0);
  ASSERT_EQ(::close(::open((d + "/real/target").c_str(), O_CREAT | O_WRONLY, 0644)), 0);
  ASSERT_EQ(::symlink((d + "/real/target").c_str(), (d + "/link").c_str()), 0);
  ASSERT_EQ(::symlink("real", (d + "/dirlink").c_str()), 0);
  const pid_t me = ::getpid();
  EXPECT_EQ(proc::resolve_in_root(me, d + "/link"), d + "/real/target");
  EXPECT_EQ(proc::resolve_in_root(me, d + "/dirlink/target"), d + "/real/target");
  EXPECT_EQ(proc::resolve_in_root(me, d + "/dirlink/new"), d + "/real/new") << "a file to create";
  EXPECT_EQ(proc::resolve_in_root(me, d + "/none/new"), std::nullopt);
  EXPECT_EQ(proc::resolve_in_root(me, "relative/path"), std::nullopt);
  EXPECT_EQ(proc::resolve_in_root(me, "/"), "/");
  ::unlink((d + "/link").c_str());
  ::unlink((d + "/dirlink").c_str());
  ::unlink((d + "/real/target").c_str());
  ::rmdir((d + "/real").c_str());
  ::rmdir(d.c_str());
}

TEST(ProcReader, DeadProcessesAreMissingNotErrors) {
  EXPECT_FALSE(proc::read_status(0x7ffffff0));
  EXPECT_FALSE(proc::read_stat(0x7ffffff0));
  EXPECT_FALSE(proc::read_comm(0x7ffffff0));
  EXPECT_TRUE(proc::read_cmdline(0x7ffffff0).empty());
}

TEST(ProcReader, NamesFromPasswdAndGroupFiles) {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\nbroken line\napp:x:1000:1000::/:/bin/sh\n";
  EXPECT_EQ(proc::lookup_id_name(passwd, 0), "root");
  EXPECT_EQ(proc::lookup_id_name(passwd, 1000), "app");
  EXPECT_FALSE(proc::lookup_id_name(passwd, 5));
  EXPECT_EQ(proc::lookup_id_name("wheel:x:10:root\n", 10), "wheel");
}

TEST(ProcReader, CapabilitiesAndPaths) {
  EXPECT_EQ(proc::capability_names(0), "");
  EXPECT_EQ(proc::capability_names((1ull << 21) | 1), "CAP_CHOWN CAP_SYS_ADMIN");
  EXPECT_EQ(proc::capability_names(1ull << 40), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(proc::normalize_path("/a/./b/../c//d/"), "/a/c/d");
  EXPECT_EQ(proc::normalize_path("/../.."), "/");
  EXPECT_EQ(proc::normalize_path("/tmp/seen/b"), "/tmp/seen/b");
}

// The kernel queues an event before its thread sleeps: for that moment the thread reads
// "running". A child that spins (runnable, as a preempted opener is) until told, then blocks
// in read, stands for it: one read sees "running", the awaiting read sees the call.
TEST(ProcReader, AwaitsAThreadThatIsAboutToBlock) {
  auto* go =
      static_cast<std::atomic<int>*>(mmap(nullptr, sizeof(std::atomic<int>), PROT_READ | PROT_WRITE,
                                          MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(go, MAP_FAILED);
  new (go) std::atomic<int>(0);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t child = fork();
  if (child == 0) {
    while (go->load() == 0) {
    }
    char c;
    _exit(read(p[0], &c, 1) == 1 ? 0 : 1);
  }
  EXPECT_FALSE(proc::read_blocked_syscall(child)) << "a spinning thread reads \"running\"";
  EXPECT_FALSE(proc::await_blocked_syscall(child, std::chrono::milliseconds(20)))
      << "a thread that never blocks: the wait ends with the budget";
  std::thread release([go] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    go->store(1);
  });
  auto sc = proc::await_blocked_syscall(child, std::chrono::seconds(10));
  release.join();
  ASSERT_TRUE(sc);
  EXPECT_EQ(sc->nr, SYS_read);
  EXPECT_EQ(sc->args[0], uint64_t(p[0]));
  ASSERT_EQ(write(p[1], "x", 1), 1);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(proc::await_blocked_syscall(child)) << "a reaped process ends the wait at once";
  munmap(go, sizeof(std::atomic<int>));
}

}  // namespace
}  // namespace vigil::proc
