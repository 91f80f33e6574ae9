//! Login and a signed submission through the real server with keys on a token (SoftHSM2 made by
//! the test from parent A's demo keystores): the server sees the same documents a file's key
//! makes. Skips loudly without SoftHSM2, fails under CI=true.

use std::sync::OnceLock;

use crate::common::*;
use crate::softhsm::{self, SoftHsm, USER_PIN};
use kezek::api::profile::Contacts;
use kezek::i18n::Lang;
use kezek::pki::keystore::Keystore;
use kezek::pki::pkcs11::Module;
use kezek::pki::signer::KeyStore;
use kezek::pki::xmldsig;
use zeroize::Zeroizing;

const TOKEN: &str = "kezek-parent";

/// One token for this binary: SoftHSM2 reads `SOFTHSM2_CONF` once per process.
fn token(world: &World) -> Option<&'static SoftHsm> {
    static HSM: OnceLock<Option<SoftHsm>> = OnceLock::new();
    HSM.get_or_init(|| {
        let hsm = SoftHsm::new(softhsm::module()?);
        hsm.init_token(TOKEN);
        for (usage, label, id) in [("AUTH", "AUTH key", "a1"), ("SIGN", "SIGN key", "51")] {
            let demo = world.entry(AIGERIM, usage, "valid");
            let mut keystore = Keystore::open_file(demo.path(), &demo.password).unwrap();
            hsm.import(TOKEN, &keystore.entries.remove(0), label, id);
        }
        // SAFETY: set once, before this binary first loads the module; nothing else here reads
        // the variable.
        unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };
        Some(hsm)
    })
    .as_ref()
}

#[tokio::test]
async fn a_parent_logs_in_and_submits_with_token_keys() {
    let world = world().await;
    let Some(hsm) = token(&world) else {
        return;
    };
    let module = Module::load(&hsm.module).unwrap();
    let session = module
        .open(None, &Zeroizing::new(USER_PIN.to_owned()))
        .unwrap();

    let mut client = world.client();
    let challenge = client.challenge().await.unwrap();
    let auth = session.signer(Some("AUTH key")).unwrap();
    let login = client
        .login(&xmldsig::sign_with(&challenge.xml, auth.as_ref()).unwrap())
        .await
        .unwrap();
    if login.contacts_missing {
        client
            .update_contacts(&Contacts {
                email: Some("demo@example.kz".to_owned()),
                phone: Some("+7 701 234 56 78".to_owned()),
                extra_email: None,
                extra_phone: None,
                language: Lang::Ru,
                notify_by: Default::default(),
            })
            .await
            .unwrap();
    }

    let submission = application(AIGERIM, ARUZHAN);
    let sign = session.signer(Some("SIGN key")).unwrap();
    let signed = xmldsig::sign_with(&xml_of(&submission), sign.as_ref()).unwrap();
    let result = client
        .submit_application(&submission.envelope.request_id, &signed)
        .await
        .unwrap();
    assert!(result.queue.general > 0);

    // The AUTH key may not sign an application, on a token as in a file.
    let other = application(AIGERIM, ARUZHAN);
    let by_auth = xmldsig::sign_with(&xml_of(&other), auth.as_ref()).unwrap();
    let refused = client
        .submit_application(&other.envelope.request_id, &by_auth)
        .await;
    assert!(matches!(
        refused,
        Err(kezek::client::ClientError::Problem(_))
    ));
}
