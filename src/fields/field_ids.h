// Every field vigil supplies, by id: the registry's table (registry.cc) is in this order,
// and each event's extractor switches on these ids. Adding a field: a row in the table, an
// id here, a case in the extractor of its class.
#pragma once

#include "vigil/field.h"

namespace vigil::fields {

enum class F : FieldId {
  kEvtType,                           // evt.type
  kEvtNum,                            // evt.num
  kEvtTime,                           // evt.time
  kEvtRawtime,                        // evt.rawtime
  kEvtHostname,                       // evt.hostname
  kEvtSource,                         // evt.source
  kEvtRes,                            // evt.res
  kEvtRawres,                         // evt.rawres
  kEvtIsOpenRead,                     // evt.is_open_read
  kEvtIsOpenWrite,                    // evt.is_open_write
  kEvtIsOpenExec,                     // evt.is_open_exec
  kEvtArg,                            // evt.arg
  kEvtRawarg,                         // evt.rawarg
  kEvtArgs,                           // evt.args
  kProcPid,                           // proc.pid
  kProcVpid,                          // proc.vpid
  kProcPpid,                          // proc.ppid
  kProcName,                          // proc.name
  kProcExe,                           // proc.exe
  kProcExepath,                       // proc.exepath
  kProcCmdline,                       // proc.cmdline
  kProcArgs,                          // proc.args
  kProcEnv,                           // proc.env
  kProcPname,                         // proc.pname
  kProcPexe,                          // proc.pexe
  kProcPexepath,                      // proc.pexepath
  kProcPcmdline,                      // proc.pcmdline
  kProcAname,                         // proc.aname
  kProcApid,                          // proc.apid
  kProcAexe,                          // proc.aexe
  kProcAexepath,                      // proc.aexepath
  kProcCwd,                           // proc.cwd
  kProcTty,                           // proc.tty
  kProcSid,                           // proc.sid
  kProcSname,                         // proc.sname
  kProcVpgid,                         // proc.vpgid
  kProcVpgidName,                     // proc.vpgid.name
  kProcVpgidExe,                      // proc.vpgid.exe
  kProcIsVpgidLeader,                 // proc.is_vpgid_leader
  kProcDuration,                      // proc.duration
  kProcPpidDuration,                  // proc.ppid.duration
  kProcIsExeUpperLayer,               // proc.is_exe_upper_layer
  kProcIsExeFromMemfd,                // proc.is_exe_from_memfd
  kFdIsUpperLayer,                    // fd.is_upper_layer
  kFdNlink,                           // fd.nlink
  kFdLinkedBelow,                     // fd.linked_below
  kProcExeIno,                        // proc.exe_ino
  kProcExeInoCtime,                   // proc.exe_ino.ctime
  kProcExeInoMtime,                   // proc.exe_ino.mtime
  kProcExeInoCtimeDurationProcStart,  // proc.exe_ino.ctime_duration_proc_start
  kThreadTid,                         // thread.tid
  kThreadVtid,                        // thread.vtid
  kThreadCapEffective,                // thread.cap_effective
  kThreadCapPermitted,                // thread.cap_permitted
  kThreadCapInheritable,              // thread.cap_inheritable
  kUserUid,                           // user.uid
  kUserName,                          // user.name
  kUserLoginuid,                      // user.loginuid
  kUserLoginname,                     // user.loginname
  kUserHomedir,                       // user.homedir
  kUserShell,                         // user.shell
  kGroupGid,                          // group.gid
  kGroupName,                         // group.name
  kFdName,                            // fd.name
  kFdDirectory,                       // fd.directory
  kFdFilename,                        // fd.filename
  kFdNameraw,                         // fd.nameraw
  kFdNameResolved,                    // fd.name_resolved
  kFsPathName,                        // fs.path.name
  kFsPathNameraw,                     // fs.path.nameraw
  kFsPathSource,                      // fs.path.source
  kFsPathSourceraw,                   // fs.path.sourceraw
  kFsPathTarget,                      // fs.path.target
  kFsPathTargetraw,                   // fs.path.targetraw
  kFdNum,                             // fd.num
  kFdTypechar,                        // fd.typechar
  kFdType,                            // fd.type
  kFdIno,                             // fd.ino
  kFdDev,                             // fd.dev
  kFdSockfamily,                      // fd.sockfamily
  kFdL4proto,                         // fd.l4proto
  kFdSip,                             // fd.sip
  kFdCip,                             // fd.cip
  kFdRip,                             // fd.rip
  kFdLip,                             // fd.lip
  kFdIp,                              // fd.ip
  kFdNet,                             // fd.net
  kFdSnet,                            // fd.snet
  kFdCnet,                            // fd.cnet
  kFdRnet,                            // fd.rnet
  kFdLnet,                            // fd.lnet
  kFdSport,                           // fd.sport
  kFdCport,                           // fd.cport
  kFdRport,                           // fd.rport
  kFdLport,                           // fd.lport
  kFdPort,                            // fd.port
  kFdConnected,                       // fd.connected
  kFdNameChanged,                     // fd.name_changed
  kFdSipName,                         // fd.sip.name
  kFdCipName,                         // fd.cip.name
  kFdRipName,                         // fd.rip.name
  kFdLipName,                         // fd.lip.name
  kContainerId,                       // container.id
  kContainerFullId,                   // container.full_id
  kContainerName,                     // container.name
  kContainerImage,                    // container.image
  kContainerImageRepository,          // container.image.repository
  kContainerImageTag,                 // container.image.tag
  kContainerImageDigest,              // container.image.digest
  kContainerType,                     // container.type
  kContainerPrivileged,               // container.privileged
  kContainerStartTs,                  // container.start_ts
  kContainerDuration,                 // container.duration
  kContainerMounts,                   // container.mounts
  kContainerMountSource,              // container.mount.source
  kContainerMountDest,                // container.mount.dest
  kK8sPodName,                        // k8s.pod.name
  kK8sPodUid,                         // k8s.pod.uid
  kK8sNsName,                         // k8s.ns.name
  kCount,
};

inline constexpr F field_of(FieldId id) { return F(id); }

}  // namespace vigil::fields
