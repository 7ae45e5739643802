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

fn digest_id(digest: &str) -> ImageIdentifier {
    ImageIdentifier::builder().image_digest(digest).build()
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

/// A per-image failure from a BatchDeleteImage response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub digest: String,
    pub code: String,
    pub reason: String,
}

/// What one BatchDeleteImage call said.
#[derive(Debug, Clone, Default)]
pub struct BatchResult {
    /// Digests reported deleted.
    pub deleted: HashSet<String>,
    /// Per-image failures (they come back inside a successful response).
    pub failures: Vec<Failure>,
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
        let Some(digest) = failure.image_id().and_then(|i| i.image_digest()) else {
            continue;
        };
        result.failures.push(Failure {
            digest: digest.to_owned(),
            code: failure
                .failure_code()
                .map_or("Unknown", |c| c.as_str())
                .to_owned(),
            reason: failure.failure_reason().unwrap_or_default().to_owned(),
        });
    }
    Ok(result)
}

/// How DeleteRepository ended.
#[derive(Debug)]
pub enum RepoDeletion {
    Deleted,
    /// Someone else deleted it first.
    AlreadyGone,
    /// `RepositoryNotEmptyException`.
    NotEmpty,
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
        Err(e) if is_code(&e, "RepositoryNotEmptyException") => Ok(RepoDeletion::NotEmpty),
        Err(e) => Err(e),
    }
}
