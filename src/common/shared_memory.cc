#include "src/common/shared_memory.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace vigil {

SharedMemory SharedMemory::create(const char* name, size_t size) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd || ::ftruncate(fd.get(), off_t(size)) != 0) return {};
  return adopt(std::move(fd), size);
}

SharedMemory SharedMemory::adopt(UniqueFd memfd, size_t size) {
  SharedMemory m;
  struct stat st;
  if (!memfd || size == 0 || ::fstat(memfd.get(), &st) != 0 || size_t(st.st_size) < size) {
    return m;
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
  if (p == MAP_FAILED) return m;
  m.memfd_ = std::move(memfd);
  m.data_ = p;
  m.size_ = size;
  return m;
}

SharedMemory::SharedMemory(SharedMemory&& o) noexcept
    : memfd_(std::move(o.memfd_)),
      data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& o) noexcept {
  if (this != &o) {
    unmap();
    memfd_ = std::move(o.memfd_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

SharedMemory::~SharedMemory() { unmap(); }

void SharedMemory::unmap() {
  if (data_) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace vigil
