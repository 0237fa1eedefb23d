// How a register argument is shown: flag names, requests, domains (Falco's rendering).
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/socket.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "src/fields/event_types.h"

namespace vigil::fields {
namespace {

std::string flags_to_names(uint64_t value, const std::vector<std::pair<uint64_t, const char*>>& f,
                           const char* zero = nullptr) {
  std::string out;
  for (const auto& [bit, name] : f) {
    if (bit && (value & bit) == bit) {
      if (!out.empty()) out += '|';
      out += name;
      value &= ~bit;
    }
  }
  if (value) {
    if (!out.empty()) out += '|';
    out += std::to_string(value);
  }
  if (out.empty() && zero) out = zero;
  return out;
}

std::string open_flags(uint64_t v) {
  std::string mode = (v & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                     : (v & O_ACCMODE) == O_RDWR ? "O_RDWR"
                                                 : "O_RDONLY";
  std::string rest = flags_to_names(v & ~uint64_t(O_ACCMODE), {{O_CREAT, "O_CREAT"},
                                                               {O_EXCL, "O_EXCL"},
                                                               {O_NOCTTY, "O_NOCTTY"},
                                                               {O_TRUNC, "O_TRUNC"},
                                                               {O_APPEND, "O_APPEND"},
                                                               {O_NONBLOCK, "O_NONBLOCK"},
                                                               {O_DSYNC, "O_DSYNC"},
                                                               {O_DIRECT, "O_DIRECT"},
                                                               {O_LARGEFILE, "O_LARGEFILE"},
                                                               {O_DIRECTORY, "O_DIRECTORY"},
                                                               {O_NOFOLLOW, "O_NOFOLLOW"},
                                                               {O_NOATIME, "O_NOATIME"},
                                                               {O_CLOEXEC, "O_CLOEXEC"},
                                                               {O_PATH, "O_PATH"},
                                                               {__O_TMPFILE, "O_TMPFILE"}});
  return rest.empty() ? mode : mode + "|" + rest;
}

std::string clone_flags(uint64_t v) {
  return flags_to_names(v & ~uint64_t(0xff),
                        {{CLONE_VM, "CLONE_VM"},
                         {CLONE_FS, "CLONE_FS"},
                         {CLONE_FILES, "CLONE_FILES"},
                         {CLONE_SIGHAND, "CLONE_SIGHAND"},
                         {CLONE_PTRACE, "CLONE_PTRACE"},
                         {CLONE_VFORK, "CLONE_VFORK"},
                         {CLONE_PARENT, "CLONE_PARENT"},
                         {CLONE_THREAD, "CLONE_THREAD"},
                         {CLONE_NEWNS, "CLONE_NEWNS"},
                         {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
                         {CLONE_SETTLS, "CLONE_SETTLS"},
                         {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
                         {CLONE_NEWUTS, "CLONE_NEWUTS"},
                         {CLONE_NEWIPC, "CLONE_NEWIPC"},
                         {CLONE_NEWUSER, "CLONE_NEWUSER"},
                         {CLONE_NEWPID, "CLONE_NEWPID"},
                         {CLONE_NEWNET, "CLONE_NEWNET"},
                         {CLONE_IO, "CLONE_IO"}},
                        "0");
}

const char* ptrace_request(uint64_t r) {
  switch (r) {
    case PTRACE_TRACEME:
      return "PTRACE_TRACEME";
    case PTRACE_PEEKTEXT:
      return "PTRACE_PEEKTEXT";
    case PTRACE_PEEKDATA:
      return "PTRACE_PEEKDATA";
    case PTRACE_PEEKUSER:
      return "PTRACE_PEEKUSR";
    case PTRACE_POKETEXT:
      return "PTRACE_POKETEXT";
    case PTRACE_POKEDATA:
      return "PTRACE_POKEDATA";
    case PTRACE_POKEUSER:
      return "PTRACE_POKEUSR";
    case PTRACE_CONT:
      return "PTRACE_CONT";
    case PTRACE_KILL:
      return "PTRACE_KILL";
    case PTRACE_SINGLESTEP:
      return "PTRACE_SINGLESTEP";
    case PTRACE_GETREGS:
      return "PTRACE_GETREGS";
    case PTRACE_SETREGS:
      return "PTRACE_SETREGS";
    case PTRACE_ATTACH:
      return "PTRACE_ATTACH";
    case PTRACE_DETACH:
      return "PTRACE_DETACH";
    case PTRACE_SYSCALL:
      return "PTRACE_SYSCALL";
    case PTRACE_SETOPTIONS:
      return "PTRACE_SETOPTIONS";
    case PTRACE_SEIZE:
      return "PTRACE_SEIZE";
    case PTRACE_INTERRUPT:
      return "PTRACE_INTERRUPT";
    default:
      return nullptr;
  }
}

const char* socket_domain(uint64_t d) {
  switch (d) {
    case AF_UNIX:
      return "AF_UNIX";
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    default:
      return nullptr;
  }
}

}  // namespace

std::string render_arg(ArgRender how, uint64_t v) {
  switch (how) {
    case ArgRender::kOpenFlags:
      return open_flags(v);
    case ArgRender::kAtFlags:
      return flags_to_names(
          v, {{AT_EMPTY_PATH, "AT_EMPTY_PATH"}, {AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}}, "0");
    case ArgRender::kCloneFlags:
      return clone_flags(v);
    case ArgRender::kPtraceRequest:
      if (const char* n = ptrace_request(v)) return n;
      break;
    case ArgRender::kSocketDomain:
      if (const char* n = socket_domain(v)) return n;
      break;
    case ArgRender::kOctal: {
      char buf[24];
      std::snprintf(buf, sizeof(buf), "0%llo", static_cast<unsigned long long>(v));
      return buf;
    }
    case ArgRender::kInt:
      return std::to_string(int64_t(int32_t(v)));  // descriptors and pids are C ints
    case ArgRender::kUnsigned:
      break;
  }
  return std::to_string(v);
}

}  // namespace vigil::fields
