/**
 * The package's `zkinfer/config` entry: reading zkinfer.config.json (./config.ts).
 */
export {
  CONFIG_FILE_NAME,
  ConfigError,
  configSchema,
  configuredModelSpec,
  findConfigFile,
  loadConfig,
  parseConfig,
  readConfig,
  selectNetwork,
  type ConfigFile,
  type LoadConfigParameters,
  type NetworkConfig,
  type ZkinferConfig,
} from "./config.js";
