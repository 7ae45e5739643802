//! The CloudWatch Logs clients of a run: one per region a log group lives in (the
//! task definition's `awslogs-region`), built from the run's SDK configuration.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::Region;

/// CloudWatch Logs clients, one per region a log group lives in.
pub struct LogsClients {
    base: Option<SdkConfig>,
    default: Client,
    by_region: HashMap<String, Client>,
}

impl LogsClients {
    /// Clients built from the SDK configuration (the task's region by default).
    pub fn new(config: &SdkConfig) -> LogsClients {
        LogsClients {
            base: Some(config.clone()),
            default: Client::new(config),
            by_region: HashMap::new(),
        }
    }

    /// One client for every region (tests).
    #[cfg(test)]
    pub fn fixed(client: Client) -> LogsClients {
        LogsClients {
            base: None,
            default: client,
            by_region: HashMap::new(),
        }
    }

    /// The region a log group is read in: its own, else the configuration's.
    pub fn region(&self, region: Option<&str>) -> Option<String> {
        region
            .map(str::to_owned)
            .or_else(|| self.base.as_ref()?.region().map(ToString::to_string))
    }

    pub fn client(&mut self, region: Option<&str>) -> Client {
        let (Some(base), Some(region)) = (&self.base, region) else {
            return self.default.clone();
        };
        if base.region().map(Region::as_ref) == Some(region) {
            return self.default.clone();
        }
        self.by_region
            .entry(region.to_owned())
            .or_insert_with(|| {
                Client::from_conf(
                    aws_sdk_cloudwatchlogs::config::Builder::from(base)
                        .region(Region::new(region.to_owned()))
                        .build(),
                )
            })
            .clone()
    }
}
