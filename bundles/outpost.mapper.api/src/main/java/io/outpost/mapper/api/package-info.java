/**
 * The mapper SPI: a mapper is a protocol driver (Modbus, OPC UA, BLE, a simulator, …) that reads
 * and writes the properties of devices. A mapper bundle registers a {@link
 * io.outpost.mapper.api.Mapper} service for its protocol; the gateway's device manager opens a
 * {@link io.outpost.mapper.api.DeviceSession} per device of that protocol, polls it at each
 * property's collect cycle, writes desired values, and feeds the twin. Mappers run in process:
 * no MQTT hop. Mappers in other languages use the event bus instead.
 *
 * <p>The shape follows Eclipse Kura's Driver/Channel model: device-level settings
 * ({@code spec.protocol.configData}) are separate from per-property visitors
 * ({@code spec.properties[].visitors.configData}).
 */
@Export
@Version("0.2.0")
package io.outpost.mapper.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
