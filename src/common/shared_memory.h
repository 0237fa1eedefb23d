// A memfd mapped shared, read and write: the storage of every journal (a seccomp session's
// notification, a fanotify group's batch, the queued alerts), whose fd the keeper holds
// too, so that a successor engine maps what its predecessor wrote. Each journal lays its
// own structure over data(); this class only owns the fd and the mapping.
#pragma once

#include <cstddef>

#include "src/common/unique_fd.h"

namespace vigil {

class SharedMemory {
 public:
  // `size` zeroed bytes in a new memfd named `name`; invalid if the kernel refuses.
  static SharedMemory create(const char* name, size_t size);
  // Maps `size` bytes of an existing memfd (a predecessor's, from the keeper); invalid if
  // it is smaller (a mapping past its end would fault on first touch) or cannot be mapped.
  static SharedMemory adopt(UniqueFd memfd, size_t size);

  SharedMemory() = default;
  SharedMemory(SharedMemory&& o) noexcept;
  SharedMemory& operator=(SharedMemory&& o) noexcept;
  ~SharedMemory();

  bool valid() const { return data_ != nullptr; }
  int fd() const { return memfd_.get(); }
  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void unmap();
  UniqueFd memfd_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace vigil
