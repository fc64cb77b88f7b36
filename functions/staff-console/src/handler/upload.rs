//! A file sent from a console form (`multipart/form-data`), with the form's
//! token.

use lambda_http::http::header;

use super::{Failure, Visit};

/// The file was larger than the page accepts: nothing of it is read.
#[derive(Debug)]
pub(super) struct TooLarge;

pub(super) struct Upload {
    /// The form's token, checked before anything else is looked at.
    pub csrf: String,
    /// The file field's bytes (empty if the form sent none).
    pub file: Result<Vec<u8>, TooLarge>,
}

/// Reads the form's `csrf` and its file field `file_field`, of at most
/// `max_bytes`; any other field is refused.
pub(super) async fn read(visit: &Visit<'_>, file_field: &'static str, max_bytes: usize) -> Result<Upload, Failure> {
    let content_type = visit
        .request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .ok_or(Failure::BadRequest)?;
    let boundary = multer::parse_boundary(content_type).map_err(|_| Failure::BadRequest)?;
    let body = visit.request.body().as_ref().to_vec();
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["csrf", file_field])
        .size_limit(multer::SizeLimit::new().per_field(max_bytes as u64));
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut upload = Upload {
        csrf: String::new(),
        file: Ok(Vec::new()),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| Failure::BadRequest)? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(|_| Failure::BadRequest)?,
            Some(name) if name == file_field => match field.bytes().await {
                Ok(bytes) => upload.file = Ok(bytes.to_vec()),
                // The rest of the body is not read: the token came first, as
                // the console's forms send it.
                Err(multer::Error::FieldSizeExceeded { .. }) => {
                    upload.file = Err(TooLarge);
                    break;
                }
                Err(_) => return Err(Failure::BadRequest),
            },
            _ => {}
        }
    }
    Ok(upload)
}
