//! The one place where the handwritten layer meets every generated client.
//!
//! progenitor is configured (see `codegen/`) with `HooksMode::Expected` and
//! [`Inner`] as the inner type, so each generated `Client` carries an [`Inner`]
//! and must implement [`progenitor_client::ClientHooks`]; [`impl_client_hooks`]
//! does so once for all services by delegating to [`Inner`].

use progenitor_client::OperationInfo;

/// State shared by every generated client of one session.
#[derive(Clone, Debug, Default)]
pub struct Inner {}

impl Inner {
    /// Sends one request on behalf of a generated client.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        client.execute(request).await
    }
}

/// Implements `ClientHooks<Inner>` for a generated client by delegating to [`Inner`].
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_client_hooks {
    ($client:ty) => {
        impl progenitor_client::ClientHooks<$crate::hooks::Inner> for $client {
            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                use progenitor_client::ClientInfo;
                self.inner().execute(self.client(), request, info).await
            }
        }
    };
}
#[doc(inline)]
pub use crate::__impl_client_hooks as impl_client_hooks;
