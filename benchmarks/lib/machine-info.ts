import { statfsSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly osRelease: string;
  readonly totalMemoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started (the machine may be shared). */
  readonly loadAverage: readonly number[];
  /** Where the temporary data directories live, and that file system's type. */
  readonly dataDirBase: string;
  readonly dataDirFileSystem: string;
}

const FILE_SYSTEMS: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
};

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  const base = tmpdir();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    availableParallelism: availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    dataDirBase: base,
    dataDirFileSystem: fileSystemOf(base),
  };
}

function fileSystemOf(path: string): string {
  try {
    const type = statfsSync(path).type;
    return FILE_SYSTEMS[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}
