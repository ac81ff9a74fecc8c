package io.memreason.registry;

import java.nio.file.Path;

/**
 * A version in the registry: its folder, its manifest (what it is) and its status (where it stands).
 *
 * @param manifestSha256 the checksum of the manifest file, as announced on the model-versions topic
 */
public record RegisteredVersion(VersionName name, Path folder, Manifest manifest, String manifestSha256,
                                VersionStatus status) {}
