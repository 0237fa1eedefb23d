// TaskMemory: the one reader of a blocked caller's memory, for both channels.
#include "src/proc/task_memory.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigil::proc {

size_t TaskMemory::read(uint64_t addr, void* out, size_t n) {
  if (addr == 0 || n == 0) return 0;
  if (!vm_refused_) {
    // Page by page: what could be read, up to the first unmapped page.
    iovec local{out, n}, remote{reinterpret_cast<void*>(addr), n};
    const ssize_t got = ::process_vm_readv(tid_, &local, 1, &remote, 1, 0);
    if (got > 0) return size_t(got);
    if (got == 0 || (errno != EPERM && errno != ENOSYS)) return 0;  // unmapped, gone
    vm_refused_ = true;
  }
  if (!open_mem()) return 0;
  const ssize_t got = ::pread(mem_.get(), out, n, off_t(addr));
  return got > 0 ? size_t(got) : 0;
}

bool TaskMemory::open_mem() {
  if (!mem_tried_) {
    mem_tried_ = true;
    mem_.reset(::open(("/proc/" + std::to_string(tid_) + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
    if (mem_ && after_open_ && !after_open_()) mem_.reset();
  }
  return bool(mem_);
}

bool TaskMemory::read_string(uint64_t addr, size_t max, std::string& out) {
  if (addr == 0) return false;
  out.clear();
  char buf[256];
  while (out.size() < max) {
    const size_t n = read(addr + out.size(), buf, sizeof(buf));
    if (n == 0) return false;  // unmapped memory, dead process
    const char* nul = static_cast<const char*>(std::memchr(buf, 0, n));
    if (nul) {
      out.append(buf, size_t(nul - buf));
      return out.size() < max;
    }
    out.append(buf, n);
  }
  return false;  // longer than max
}

}  // namespace vigil::proc
