//! The ECR calls: list every image, read indexes, delete a batch, delete the repository.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use aws_sdk_ecr::Client;
use aws_sdk_ecr::types::{DescribeImagesFilter, ImageIdentifier, ImageStatusFilter};
use cli_support::aws::{AwsError, AwsResultExt as _};
use futures_util::{StreamExt as _, stream};

use crate::image::{INDEX_MEDIA_TYPES, Image, dedupe, index_children};
use crate::repo::Target;

/// The API's cap on ids in one BatchDeleteImage or BatchGetImage call.
pub const MAX_IDS_PER_CALL: usize = 100;
/// The API's cap on results per DescribeImages page.
pub const MAX_RESULTS_PER_PAGE: i32 = 1000;

/// Why listing a repository failed.
#[derive(Debug)]
pub enum ListError {
    /// `RepositoryNotFoundException`.
    Missing(AwsError),
    Other(AwsError),
}

fn is_code(err: &AwsError, code: &str) -> bool {
    err.code.as_deref() == Some(code)
}

/// Every image of the repository, every page and every image status (ACTIVE, ARCHIVED,
/// ACTIVATING), deduplicated by digest.
pub async fn list_images(client: &Client, target: &Target) -> Result<Vec<Image>, ListError> {
    let filter = DescribeImagesFilter::builder()
        .image_status(ImageStatusFilter::Any)
        .build();
    let mut pages = client
        .describe_images()
        .repository_name(&target.name)
        .set_registry_id(target.registry_id.clone())
        .filter(filter)
        .max_results(MAX_RESULTS_PER_PAGE)
        .into_paginator()
        .send();
    let mut images = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.aws("DescribeImages").map_err(|e| {
            if is_code(&e, "RepositoryNotFoundException") {
                ListError::Missing(e)
            } else {
                ListError::Other(e)
            }
        })?;
        for detail in page.image_details() {
            let Some(digest) = detail.image_digest() else {
                continue;
            };
            images.push(Image {
                digest: digest.to_owned(),
                tags: detail.image_tags().to_vec(),
                pushed_at: detail
                    .image_pushed_at()
                    .and_then(|t| SystemTime::try_from(*t).ok()),
                media_type: detail.image_manifest_media_type().map(str::to_owned),
                subject: detail.subject_manifest_digest().map(str::to_owned),
                status: detail.image_status().map(|s| s.as_str().to_owned()),
            });
        }
    }
    Ok(dedupe(images))
}

/// The repositories of the registry (the caller's without `registry_id`) and the registry's
/// id as the API reports it, for the suggestions of a "no such repository" message. At most
/// `MAX_NAME_PAGES` pages: a hint is not worth a long listing.
pub async fn repository_names(
    client: &Client,
    registry_id: Option<&str>,
) -> Result<(Vec<String>, Option<String>), AwsError> {
    const MAX_NAME_PAGES: usize = 10;
    let mut pages = client
        .describe_repositories()
        .set_registry_id(registry_id.map(str::to_owned))
        .max_results(MAX_RESULTS_PER_PAGE)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    let mut registry = None;
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.aws("DescribeRepositories")?;
        for r in page.repositories() {
            if registry.is_none() {
                registry = r.registry_id().map(str::to_owned);
            }
            if let Some(name) = r.repository_name() {
                names.push(name.to_owned());
            }
        }
        n += 1;
        if n == MAX_NAME_PAGES {
            break;
        }
    }
    Ok((names, registry))
}

fn digest_id(digest: &str) -> ImageIdentifier {
    ImageIdentifier::builder().image_digest(digest).build()
}

/// The message for a BatchGetImage call that failed; an access denial says which
/// permission is missing.
pub fn read_indexes_error(err: &AwsError) -> String {
    if is_code(err, "AccessDeniedException") {
        format!(
            "{err}; selectors and protections read image indexes, which needs \
             ecr:BatchGetImage (a full purge does not)"
        )
    } else {
        err.to_string()
    }
}

/// The children of each index, read with BatchGetImage (up to 100 ids a call,
/// `concurrency` calls in flight). Indexes that cannot be read are returned with the reason
/// (the caller warns and treats them as childless).
pub async fn read_indexes(
    client: &Client,
    target: &Target,
    digests: &[String],
    concurrency: usize,
) -> Result<(HashMap<String, Vec<String>>, Vec<(String, String)>), AwsError> {
    let calls = digests.chunks(MAX_IDS_PER_CALL).map(|chunk| async move {
        let mut req = client
            .batch_get_image()
            .repository_name(&target.name)
            .set_registry_id(target.registry_id.clone());
        for d in chunk {
            req = req.image_ids(digest_id(d));
        }
        for m in INDEX_MEDIA_TYPES {
            req = req.accepted_media_types(m);
        }
        req.send().await.aws("BatchGetImage")
    });
    let mut results = stream::iter(calls).buffer_unordered(concurrency.max(1));
    let mut children = HashMap::new();
    let mut unreadable = Vec::new();
    let wanted: HashSet<&str> = digests.iter().map(String::as_str).collect();
    while let Some(out) = results.next().await {
        let out = out?;
        for image in out.images() {
            let Some(digest) = image.image_id().and_then(|i| i.image_digest()) else {
                continue;
            };
            if !wanted.contains(digest) || children.contains_key(digest) {
                continue;
            }
            match image.image_manifest().map(index_children) {
                Some(Ok(kids)) => {
                    children.insert(digest.to_owned(), kids);
                }
                Some(Err(why)) => unreadable.push((digest.to_owned(), why)),
                None => unreadable.push((digest.to_owned(), "no manifest returned".to_owned())),
            }
        }
        for failure in out.failures() {
            if let Some(d) = failure.image_id().and_then(|i| i.image_digest())
                && failure
                    .failure_code()
                    .map(aws_sdk_ecr::types::ImageFailureCode::as_str)
                    != Some("ImageNotFound")
            {
                unreadable.push((
                    d.to_owned(),
                    format!(
                        "{}: {}",
                        failure.failure_code().map_or("Unknown", |c| c.as_str()),
                        failure.failure_reason().unwrap_or_default()
                    ),
                ));
            }
        }
    }
    Ok((children, unreadable))
}

/// Why an image was not deleted: a per-image failure from a BatchDeleteImage response, or
/// the failure of a whole call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub digest: String,
    pub code: String,
    pub reason: String,
    /// The whole call failed (the reason is the call's error, the same for every image of
    /// the batch), rather than this image.
    pub whole_call: bool,
}

impl Failure {
    /// The failure of a whole call, for one image of its batch.
    pub fn of_call(digest: &str, err: &AwsError) -> Failure {
        Failure {
            digest: digest.to_owned(),
            code: err
                .code
                .clone()
                .unwrap_or_else(|| "RequestFailed".to_owned()),
            reason: err.to_string(),
            whole_call: true,
        }
    }
}

/// A `failures[]` entry whose image id names no digest of the batch (only a tag, another
/// digest, or nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The image id as the API gave it: `sha256:...`, `tag v1`, or `no image id`.
    pub image_id: String,
    pub code: String,
    pub reason: String,
}

/// What one BatchDeleteImage call said.
#[derive(Debug, Clone, Default)]
pub struct BatchResult {
    /// Digests reported deleted.
    pub deleted: HashSet<String>,
    /// Per-image failures for digests of the batch (they come back inside a successful
    /// response).
    pub failures: Vec<Failure>,
    /// Failures that name no digest of the batch.
    pub unmatched: Vec<Unmatched>,
}

fn failure_code(failure: &aws_sdk_ecr::types::ImageFailure) -> String {
    failure
        .failure_code()
        .map_or("Unknown", |c| c.as_str())
        .to_owned()
}

/// An image id as text: its digest, else its tag.
fn describe_id(id: Option<&ImageIdentifier>) -> String {
    match (
        id.and_then(ImageIdentifier::image_digest),
        id.and_then(ImageIdentifier::image_tag),
    ) {
        (Some(d), _) => d.to_owned(),
        (None, Some(t)) => format!("tag {t}"),
        (None, None) => "no image id".to_owned(),
    }
}

/// Delete up to 100 images by digest in one call.
pub async fn delete_batch(
    client: &Client,
    target: &Target,
    digests: &[String],
) -> Result<BatchResult, AwsError> {
    debug_assert!(!digests.is_empty() && digests.len() <= MAX_IDS_PER_CALL);
    let mut req = client
        .batch_delete_image()
        .repository_name(&target.name)
        .set_registry_id(target.registry_id.clone());
    for d in digests {
        req = req.image_ids(digest_id(d));
    }
    let out = req.send().await.aws("BatchDeleteImage")?;
    let mut result = BatchResult::default();
    for id in out.image_ids() {
        if let Some(d) = id.image_digest() {
            result.deleted.insert(d.to_owned());
        }
    }
    for failure in out.failures() {
        let code = failure_code(failure);
        let reason = failure.failure_reason().unwrap_or_default().to_owned();
        match failure.image_id().and_then(|i| i.image_digest()) {
            Some(digest) if digests.iter().any(|d| d == digest) => {
                result.failures.push(Failure {
                    digest: digest.to_owned(),
                    code,
                    reason,
                    whole_call: false,
                });
            }
            _ => result.unmatched.push(Unmatched {
                image_id: describe_id(failure.image_id()),
                code,
                reason,
            }),
        }
    }
    Ok(result)
}

/// How DeleteRepository ended.
#[derive(Debug)]
pub enum RepoDeletion {
    Deleted,
    /// Someone else deleted it first.
    AlreadyGone,
    /// `RepositoryNotEmptyException`, kept to be reported if it persists.
    NotEmpty(AwsError),
}

/// Delete the repository without `force`: ECR itself refuses if anything is left.
pub async fn delete_repository(client: &Client, target: &Target) -> Result<RepoDeletion, AwsError> {
    match client
        .delete_repository()
        .repository_name(&target.name)
        .set_registry_id(target.registry_id.clone())
        .send()
        .await
        .aws("DeleteRepository")
    {
        Ok(_) => Ok(RepoDeletion::Deleted),
        Err(e) if is_code(&e, "RepositoryNotFoundException") => Ok(RepoDeletion::AlreadyGone),
        Err(e) if is_code(&e, "RepositoryNotEmptyException") => Ok(RepoDeletion::NotEmpty(e)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cli_support::aws::ErrorKind;

    fn error(operation: &str, code: &str) -> AwsError {
        AwsError {
            operation: operation.to_owned(),
            code: Some(code.to_owned()),
            message: "denied".to_owned(),
            kind: ErrorKind::Service,
        }
    }

    #[test]
    fn a_denied_index_read_names_the_permission() {
        assert_eq!(
            read_indexes_error(&error("BatchGetImage", "AccessDeniedException")),
            "BatchGetImage: AccessDeniedException: denied; selectors and protections read \
             image indexes, which needs ecr:BatchGetImage (a full purge does not)"
        );
        assert_eq!(
            read_indexes_error(&error("BatchGetImage", "ServerException")),
            "BatchGetImage: ServerException: denied"
        );
    }

    #[test]
    fn a_failed_call_keeps_the_errors_own_text() {
        let f = Failure::of_call(
            "sha256:a",
            &error("BatchDeleteImage", "AccessDeniedException"),
        );
        assert_eq!(f.code, "AccessDeniedException");
        assert_eq!(f.reason, "BatchDeleteImage: AccessDeniedException: denied");
        assert!(f.whole_call);
    }
}
