// The field registry: every field vigil can supply, its type, and the channels that supply
// it; plus the Falco fields vigil knows by name but cannot supply, so that a rule using one
// is reported as unsupported instead of failing to parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/fields/event_types.h"
#include "src/fields/field_ids.h"
#include "vigil/field.h"

namespace vigil::fields {

// When the value is read from the target's memory on a syscall event, deciding on it before
// the syscall runs is racy: another thread can rewrite it after vigil read it.
enum class Race : uint8_t {
  kNever,          // kernel-provided or taken from /proc of the subject itself
  kSyscallMemory,  // always from target memory on the syscall channel (paths, addresses)
  kExecImage,      // on exec syscalls it describes the new image, read from target memory
  kArgument,       // evt.arg.X: racy if argument X is a pointer
};

// What reading a field costs on an event, in tiers: the compiler orders every and/or so
// that cheaper checks run first (checks are pure), and short-circuiting then skips the
// costly reads for most events.
enum class Cost : uint8_t {
  kFree = 0,        // the event itself, the container's metadata, registers
  kPath = 1,        // a path: from the event's fd, or target memory on seccomp
  kProc = 2,        // /proc reads of the process (and its ancestors)
  kOpenIntent = 3,  // /proc/<tid>/syscall of an opener that may not be asleep yet
};

// Falco's field classes (the name's first part), as vigil's extractors are organized.
enum class FieldClass : uint8_t {
  kEvt,
  kProc,
  kThread,
  kUser,
  kGroup,
  kFd,
  kFsPath,
  kContainer,
  kK8s
};

struct FieldInfo {
  F id;  // its position in the table
  std::string_view name;
  FieldType type;
  FieldArg arg;
  ChannelMask channels;
  Race race;
  Cost cost;
  // The decision cache may rely on it: the same for every open of one file in one
  // container, whoever opens it (fd.*, evt.type, container.*). A field that is false here
  // is unknown to the analysis that proves no rule can match a file (the cache's basis).
  bool cache_known;
  std::string_view description;
  FieldClass cls = FieldClass::kEvt;  // set from the name when the table is built
};

struct FieldLookup {
  FieldId id = 0;
  const FieldInfo* info = nullptr;
  std::string key;  // evt.arg.flags -> "flags"
};

const std::vector<FieldInfo>& supported_fields();
const FieldInfo& field_info(FieldId id);

// Finds a supported field by its full name ("proc.name", "evt.arg.flags").
std::optional<FieldLookup> find_field(std::string_view name);

// True for a Falco field that vigil does not supply (fd.sip.name, proc.vmrss, ...).
bool is_known_unsupported(std::string_view name);

// True if `name` names a Falco field class vigil recognises (evt, proc, fd, ...).
bool has_known_field_class(std::string_view name);

// Whether deciding on this field, on this channel and event type, races with the target.
bool is_racy(const FieldInfo& info, const FieldLookup& ref, Channel channel,
             const EventTypeInfo& evt, int32_t index);

}  // namespace vigil::fields
