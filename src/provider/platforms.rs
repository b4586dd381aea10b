//! Recognition of hosts on shared platforms (a Telegram channel, a blogspot blog, a github.io
//! page, a workers.dev app, an S3 bucket, …) from the host name and, where the platform
//! addresses content by path, the URL path.
//!
//! On a platform the registrar of the platform's own domain is the wrong target: the platform
//! operator is the party that can act, through its reporting channel.

use super::directory::owner_channels;
use crate::record::Platform;

/// How a platform's host names look.
#[derive(Debug, Clone, Copy)]
enum Pattern {
    /// Exactly this host.
    Host(&'static str),
    /// Any host below this domain (not the domain itself).
    Below(&'static str),
    /// `<blog>.blogspot.<tld>` for blogspot.com and its country variants.
    Blogspot,
    /// Amazon S3: `<bucket>.s3[.-]….amazonaws.com`, or path-style
    /// `s3[.-]….amazonaws.com/<bucket>`.
    S3,
}

/// A platform whohosts recognises.
#[derive(Debug)]
struct Def {
    id: &'static str,
    name: &'static str,
    patterns: &'static [Pattern],
    /// Content is addressed by the path: how many leading segments name the item
    /// (`t.me/<channel>` 1, `sites.google.com/view/<site>` 2); 0 when it is not.
    by_path: usize,
    /// Owner id of its channels in `directory.txt`.
    directory: &'static str,
}

use Pattern::{Below, Blogspot, Host, S3};

/// Every recognised platform. The first match wins.
static PLATFORMS: &[Def] = &[
    Def {
        id: "telegram",
        name: "Telegram",
        patterns: &[Host("t.me"), Host("telegram.me"), Host("telegram.dog"), Host("telegram.org")],
        by_path: 1,
        directory: "telegram",
    },
    Def {
        id: "telegraph",
        name: "Telegraph (Telegram)",
        patterns: &[Host("telegra.ph"), Host("graph.org")],
        by_path: 1,
        directory: "telegram",
    },
    Def {
        id: "whatsapp",
        name: "WhatsApp",
        patterns: &[
            Host("wa.me"),
            Host("chat.whatsapp.com"),
            Host("whatsapp.com"),
            Host("www.whatsapp.com"),
        ],
        by_path: 1,
        directory: "whatsapp",
    },
    Def { id: "blogger", name: "Blogger", patterns: &[Blogspot], by_path: 0, directory: "blogger" },
    Def {
        id: "github-pages",
        name: "GitHub Pages",
        patterns: &[Below("github.io")],
        by_path: 0,
        directory: "github",
    },
    Def {
        id: "gitlab-pages",
        name: "GitLab Pages",
        patterns: &[Below("gitlab.io")],
        by_path: 0,
        directory: "gitlab",
    },
    Def {
        id: "cloudflare-workers",
        name: "Cloudflare Workers",
        patterns: &[Below("workers.dev")],
        by_path: 0,
        directory: "cloudflare",
    },
    Def {
        id: "cloudflare-pages",
        name: "Cloudflare Pages",
        patterns: &[Below("pages.dev")],
        by_path: 0,
        directory: "cloudflare",
    },
    Def {
        id: "cloudflare-r2",
        name: "Cloudflare R2 public bucket",
        patterns: &[Below("r2.dev")],
        by_path: 0,
        directory: "cloudflare",
    },
    Def {
        id: "cloudflare-tunnel",
        name: "Cloudflare Tunnel (trycloudflare.com)",
        patterns: &[Below("trycloudflare.com")],
        by_path: 0,
        directory: "cloudflare",
    },
    Def {
        id: "netlify",
        name: "Netlify",
        patterns: &[Below("netlify.app")],
        by_path: 0,
        directory: "netlify",
    },
    Def {
        id: "vercel",
        name: "Vercel",
        patterns: &[Below("vercel.app"), Below("now.sh")],
        by_path: 0,
        directory: "vercel",
    },
    Def {
        id: "heroku",
        name: "Heroku",
        patterns: &[Below("herokuapp.com")],
        by_path: 0,
        directory: "heroku",
    },
    Def {
        id: "wordpress-com",
        name: "WordPress.com",
        patterns: &[Below("wordpress.com")],
        by_path: 0,
        directory: "automattic",
    },
    Def {
        id: "wix",
        name: "Wix",
        patterns: &[Below("wixsite.com"), Below("wixstudio.io")],
        by_path: 0,
        directory: "wix",
    },
    Def {
        id: "weebly",
        name: "Weebly",
        patterns: &[Below("weebly.com"), Below("weeblysite.com")],
        by_path: 0,
        directory: "weebly",
    },
    Def {
        id: "firebase-hosting",
        name: "Firebase Hosting",
        patterns: &[Below("firebaseapp.com"), Below("web.app")],
        by_path: 0,
        directory: "google",
    },
    Def {
        id: "app-engine",
        name: "Google App Engine",
        patterns: &[Below("appspot.com")],
        by_path: 0,
        directory: "google-cloud",
    },
    Def {
        id: "google-sites",
        name: "Google Sites",
        patterns: &[Host("sites.google.com")],
        by_path: 2,
        directory: "google",
    },
    Def {
        id: "google-docs",
        name: "Google Docs and Drive",
        patterns: &[Host("docs.google.com"), Host("drive.google.com"), Host("forms.gle")],
        by_path: 3,
        directory: "google",
    },
    Def {
        id: "google-user-content",
        name: "Google user content",
        patterns: &[Below("googleusercontent.com")],
        by_path: 0,
        directory: "google",
    },
    Def {
        id: "azure-app-service",
        name: "Azure App Service",
        patterns: &[Below("azurewebsites.net")],
        by_path: 0,
        directory: "microsoft",
    },
    Def {
        id: "azure-storage",
        name: "Azure Storage",
        patterns: &[Below("blob.core.windows.net"), Below("web.core.windows.net")],
        by_path: 0,
        directory: "microsoft",
    },
    Def {
        id: "onedrive",
        name: "OneDrive",
        patterns: &[Host("1drv.ms"), Host("onedrive.live.com")],
        by_path: 2,
        directory: "microsoft",
    },
    Def {
        id: "sharepoint",
        name: "SharePoint Online",
        patterns: &[Below("sharepoint.com")],
        by_path: 0,
        directory: "microsoft",
    },
    Def { id: "amazon-s3", name: "Amazon S3", patterns: &[S3], by_path: 0, directory: "aws" },
    Def {
        id: "dropbox",
        name: "Dropbox",
        patterns: &[
            Host("dropbox.com"),
            Host("www.dropbox.com"),
            Host("db.tt"),
            Below("dropboxusercontent.com"),
        ],
        by_path: 2,
        directory: "dropbox",
    },
    Def {
        id: "mega",
        name: "MEGA",
        patterns: &[Host("mega.nz"), Host("mega.io"), Host("mega.co.nz")],
        by_path: 2,
        directory: "mega",
    },
    Def {
        id: "discord",
        name: "Discord",
        patterns: &[
            Host("discord.gg"),
            Host("discord.com"),
            Host("discordapp.com"),
            Below("discordapp.com"),
        ],
        by_path: 1,
        directory: "discord",
    },
];

/// The shared platform `host` is on, with the platform's published reporting channels (every
/// notice type; `notice::notice_targets` picks and orders them).
///
/// `host` is a host name (any case, trailing dot allowed). `url_path` is the path of the URL
/// the user gave, when there was one: for platforms that address content by path (`t.me`,
/// `docs.google.com`, path-style S3, …) the leading segments naming the item are added to
/// `matched` (`t.me/somechannel`, `docs.google.com/document/d/<id>`), so the notice names the
/// channel or document, not the whole platform.
pub(crate) fn detect_platform(host: &str, url_path: Option<&str>) -> Option<Platform> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let path = url_path.and_then(|p| p.split(['?', '#']).next()).unwrap_or("");
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for def in PLATFORMS {
        for pattern in def.patterns {
            let Some((matched, path_addressed)) = matches(*pattern, &host) else { continue };
            // Telegram's web preview `t.me/s/<channel>` names the same channel.
            if def.id == "telegram" && segments.first() == Some(&"s") {
                segments.remove(0);
            }
            let take = if path_addressed { 1 } else { def.by_path };
            let item: Vec<&str> = segments.iter().take(take).copied().collect();
            let matched =
                if item.is_empty() { matched } else { format!("{matched}/{}", item.join("/")) };
            return Some(Platform {
                id: def.id.to_owned(),
                name: def.name.to_owned(),
                matched,
                abuse: owner_channels(def.directory).to_vec(),
            });
        }
    }
    None
}

/// What `host` matched as (`*.github.io`, `t.me`), and whether this form addresses the
/// content by path (path-style S3).
fn matches(pattern: Pattern, host: &str) -> Option<(String, bool)> {
    match pattern {
        Host(h) => (host == h).then(|| (h.to_owned(), false)),
        Below(d) => host
            .strip_suffix(d)
            .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
            .then(|| (format!("*.{d}"), false)),
        Blogspot => {
            let labels: Vec<&str> = host.split('.').collect();
            let at = labels.iter().position(|l| *l == "blogspot")?;
            let tail = labels.get(at + 1..)?;
            let tld_ok = matches!(tail.len(), 1 | 2)
                && tail.iter().all(|l| {
                    (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic())
                });
            (at >= 1 && tld_ok).then(|| (format!("*.blogspot.{}", tail.join(".")), false))
        }
        S3 => {
            let head = host.strip_suffix(".amazonaws.com")?;
            let labels: Vec<&str> = head.split('.').collect();
            let at = labels.iter().position(|l| *l == "s3" || l.starts_with("s3-"))?;
            Some(if at == 0 {
                ("s3.amazonaws.com".to_owned(), true)
            } else {
                ("*.s3.amazonaws.com".to_owned(), false)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::record::NoticeType;

    fn detect(host: &str, path: Option<&str>) -> Option<(String, String)> {
        detect_platform(host, path).map(|p| (p.id, p.matched))
    }

    #[test]
    fn platform_table() {
        let cases: &[(&str, Option<&str>, &str, &str)] = &[
            ("t.me", Some("/durov/123"), "telegram", "t.me/durov"),
            ("T.ME.", None, "telegram", "t.me"),
            ("telegram.me", Some("/s/somechannel"), "telegram", "telegram.me/somechannel"),
            ("telegra.ph", Some("/Some-Page-01-01"), "telegraph", "telegra.ph/Some-Page-01-01"),
            ("wa.me", Some("/15551234567"), "whatsapp", "wa.me/15551234567"),
            ("chat.whatsapp.com", Some("/AbCdEf"), "whatsapp", "chat.whatsapp.com/AbCdEf"),
            ("example.blogspot.com", Some("/2024/01/post.html"), "blogger", "*.blogspot.com"),
            ("example.blogspot.co.uk", None, "blogger", "*.blogspot.co.uk"),
            ("example.blogspot.de", None, "blogger", "*.blogspot.de"),
            ("octocat.github.io", None, "github-pages", "*.github.io"),
            ("group.gitlab.io", None, "gitlab-pages", "*.gitlab.io"),
            ("app.user.workers.dev", None, "cloudflare-workers", "*.workers.dev"),
            ("project.pages.dev", None, "cloudflare-pages", "*.pages.dev"),
            ("pub-123.r2.dev", None, "cloudflare-r2", "*.r2.dev"),
            ("a-b-c.trycloudflare.com", None, "cloudflare-tunnel", "*.trycloudflare.com"),
            ("site.netlify.app", None, "netlify", "*.netlify.app"),
            ("app.vercel.app", None, "vercel", "*.vercel.app"),
            ("app.herokuapp.com", None, "heroku", "*.herokuapp.com"),
            ("blog.wordpress.com", None, "wordpress-com", "*.wordpress.com"),
            ("user.wixsite.com", Some("/mysite"), "wix", "*.wixsite.com"),
            ("site.weebly.com", None, "weebly", "*.weebly.com"),
            ("proj.firebaseapp.com", None, "firebase-hosting", "*.firebaseapp.com"),
            ("proj.web.app", None, "firebase-hosting", "*.web.app"),
            ("proj.appspot.com", None, "app-engine", "*.appspot.com"),
            (
                "sites.google.com",
                Some("/view/somesite/home"),
                "google-sites",
                "sites.google.com/view/somesite",
            ),
            (
                "docs.google.com",
                Some("/document/d/1AbC/edit?usp=x"),
                "google-docs",
                "docs.google.com/document/d/1AbC",
            ),
            ("drive.google.com", None, "google-docs", "drive.google.com"),
            ("lh3.googleusercontent.com", None, "google-user-content", "*.googleusercontent.com"),
            ("app.azurewebsites.net", None, "azure-app-service", "*.azurewebsites.net"),
            ("acct.blob.core.windows.net", None, "azure-storage", "*.blob.core.windows.net"),
            ("tenant.sharepoint.com", None, "sharepoint", "*.sharepoint.com"),
            ("bucket.s3.amazonaws.com", None, "amazon-s3", "*.s3.amazonaws.com"),
            ("bucket.s3.eu-west-1.amazonaws.com", None, "amazon-s3", "*.s3.amazonaws.com"),
            ("bucket.s3-website-us-east-1.amazonaws.com", None, "amazon-s3", "*.s3.amazonaws.com"),
            ("s3.amazonaws.com", Some("/bucket/key.html"), "amazon-s3", "s3.amazonaws.com/bucket"),
            ("www.dropbox.com", Some("/s/abc/file.zip"), "dropbox", "www.dropbox.com/s/abc"),
            ("mega.nz", Some("/file/AbC#key"), "mega", "mega.nz/file/AbC"),
            ("discord.gg", Some("/invite"), "discord", "discord.gg/invite"),
            ("cdn.discordapp.com", None, "discord", "*.discordapp.com"),
        ];
        for (host, path, id, matched) in cases {
            assert_eq!(
                detect(host, *path),
                Some(((*id).to_owned(), (*matched).to_owned())),
                "{host} {path:?}"
            );
        }
    }

    #[test]
    fn not_platforms() {
        for host in [
            "github.io",
            "example.com",
            "blogspot.com",
            "notgithub.io",
            "github.io.example.com",
            "ec2-1-2-3-4.compute-1.amazonaws.com",
            "google.com",
            "mail.google.com",
            "blogspot.example.com",
        ] {
            assert_eq!(detect(host, None), None, "{host}");
        }
    }

    /// Every directory owner is used by a known provider or a platform (no typos).
    #[test]
    fn directory_owners_are_referenced() {
        for owner in super::super::directory::directory().owner_ids() {
            let used = super::super::KNOWN.iter().any(|k| k.directory == owner)
                || PLATFORMS.iter().any(|d| d.directory == owner);
            assert!(used, "directory owner {owner} is not referenced");
        }
    }

    #[test]
    fn platform_carries_its_channels() {
        let tg = detect_platform("t.me", Some("/somechannel")).unwrap();
        assert_eq!(tg.name, "Telegram");
        let emails: Vec<_> = tg.abuse.iter().filter_map(|c| c.email.as_deref()).collect();
        assert_eq!(emails, ["abuse@telegram.org", "dmca@telegram.org", "stopCA@telegram.org"]);
        let csam = tg.abuse.iter().find(|c| c.notice_types == [NoticeType::Csam]).unwrap();
        assert_eq!(csam.source_url.as_deref(), Some("https://t.me/s/stopca"));
        // Workers apps are reported through Cloudflare's form.
        let w = detect_platform("x.workers.dev", None).unwrap();
        assert_eq!(
            w.abuse.first().and_then(|c| c.web.as_deref()),
            Some("https://abuse.cloudflare.com/")
        );
        // Heroku publishes nothing we could attribute to a public page.
        assert!(detect_platform("x.herokuapp.com", None).unwrap().abuse.is_empty());
    }
}
