import Crypto
import Foundation

extension HTMLReport {
    /// The page's templates, parsed once. Every value goes in as `{{{x}}}` and is escaped by
    /// ``HTMLTemplates/render(_:_:)`` with ``HTMLEscaping``; only this file's own style sheet and
    /// icons go in as ``TrustedHTML``.
    enum Templates {
        // The templates are constants of this file: a refusal or a parse error is a bug caught by every test.
        static let library = try! HTMLTemplates([("opening", opening), ("group", group), ("card", card)])

        /// What the page may load and do: images from `data:` URIs and its own style sheet (by its
        /// hash, so no `style` attribute or other sheet applies), nothing else; no script, no form
        /// sent anywhere, no `<base>`. (Browsers offer no policy against navigation, such as a
        /// `<meta http-equiv="refresh">`: that rests on the escaping.)
        static let policy = [
            "default-src 'none'", "img-src data:", "style-src 'sha256-\(styleHash)'", "form-action 'none'",
            "base-uri 'none'",
        ].joined(separator: "; ")

        static let styleHash = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()

        // swift-format-ignore
        static let opening = """
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta http-equiv="Content-Security-Policy" content="{{{policy}}}">
                <title>{{{title}}}</title>
                <style>{{{style}}}</style>
                </head>
                <body>
                {{{icons}}}
                <input type="radio" name="show" id="show-all" checked><input type="radio" name="show" id="show-rejected"><input type="radio" name="show" id="show-fixable"><input type="radio" name="show" id="show-ok">
                <header>
                <h1>{{{title}}}</h1>
                <p class="totals"><span id="total">{{{total}}}</span> assets: <b class="v-rejected">{{{rejected}}} rejected</b> · <b class="v-fixable">{{{fixable}}} fixable</b> · <b class="v-ok">{{{ok}}} ok</b>{{#duplicates}} · {{{.}}} duplicates, checked once{{/duplicates}}</p>
                <p class="bytes">Bytes: {{{bytesBefore}}} as given → about {{{bytesAfter}}} after <code>prepare</code> (rejected assets are not sent)</p>
                {{#hasFindings}}<p class="common">Most common findings: {{#findings}}<span class="code">{{{code}}} <small>{{{count}}}</small></span> {{/findings}}</p>{{/hasFindings}}
                <nav>Show: <label for="show-all">all {{{total}}}</label><label for="show-rejected" class="v-rejected">rejected {{{rejected}}}</label><label for="show-fixable" class="v-fixable">fixable {{{fixable}}}</label><label for="show-ok" class="v-ok">ok {{{ok}}}</label></nav>
                </header>
                <main>

                """

        static let group = """
            <section class="group group-{{{verdict}}}"><h2 class="v-{{{verdict}}}">{{{verdict}}} ({{{count}}})</h2>

            """

        // One line per card keeps a 10,000-asset page small; the structure is:
        // article.card.VERDICT > div.thumb (img, poster img or svg icon) + div.body (name, badge, meta,
        // level bar, preview note, findings, steps).
        static let card = """
            <article class="card {{{verdict}}}" data-verdict="{{{verdict}}}"><div class="thumb">{{#thumbnail}}<img alt="" src="{{{.}}}">{{/thumbnail}}{{#poster}}<img class="poster" alt="poster frame" src="{{{.}}}">{{/poster}}{{#icon}}<svg class="icon" role="img" aria-label="{{{.}}}"><use href="#i-{{{.}}}"/></svg>{{/icon}}</div><div class="body"><h3 class="name" title="{{{path}}}">{{{name}}}</h3> <span class="badge {{{verdict}}}">{{{verdict}}}</span><p class="meta">{{{mediaType}}} · {{{mime}}} · {{{size}}}{{#dimensions}} · {{{.}}}{{/dimensions}}{{#origin}} · from {{{.}}}{{/origin}}{{#duplicateOf}} · same content as {{{.}}}{{/duplicateOf}}{{#duration}} · {{{.}}}{{/duration}}{{#suggestedName}} · send as {{{.}}}{{/suggestedName}}</p>{{#level}}<p class="level"><meter min="{{{min}}}" max="0" value="{{{value}}}" aria-label="mean level"></meter> {{{text}}}</p>{{/level}}{{#note}}<p class="note">{{{.}}}</p>{{/note}}{{#hasFindings}}<ul class="findings">{{#findings}}<li class="{{{severity}}}"><b>{{{code}}}</b> {{{message}}}<br><small>{{{hint}}}</small></li>{{/findings}}</ul>{{/hasFindings}}{{#hasSteps}}<p class="steps">prepare would: {{#steps}}<span>{{{.}}}</span>{{/steps}}</p>{{/hasSteps}}</div></article>

            """

        static let style = """
            :root{--ok:#1e7d32;--fixable:#a15c00;--rejected:#b3261e;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f6f4}
            body{margin:0;padding:0 12px 24px}.sprites{position:absolute}header{max-width:1200px;margin:0 auto;padding:12px 0}h1{font-size:1.4rem;margin:8px 0}
            input[name=show]{position:absolute;opacity:0;pointer-events:none}
            nav{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-top:8px}nav label{border:1px solid #999;border-radius:16px;padding:3px 12px;cursor:pointer;background:#fff}
            #show-all:checked~header label[for=show-all],#show-rejected:checked~header label[for=show-rejected],#show-fixable:checked~header label[for=show-fixable],#show-ok:checked~header label[for=show-ok]{background:#1b1b1b;color:#fff}
            #show-rejected:checked~main .group:not(.group-rejected),#show-fixable:checked~main .group:not(.group-fixable),#show-ok:checked~main .group:not(.group-ok){display:none}
            main{max-width:1200px;margin:0 auto}.group{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:10px;margin-bottom:16px}.group h2{grid-column:1/-1;font-size:1.1rem;margin:10px 0 0;text-transform:capitalize}
            .card{display:flex;gap:10px;background:#fff;border:1px solid #ddd;border-left:5px solid #999;border-radius:6px;padding:8px;min-width:0}
            .card.ok{border-left-color:var(--ok)}.card.fixable{border-left-color:var(--fixable)}.card.rejected{border-left-color:var(--rejected)}
            .thumb{flex:0 0 auto;width:160px;height:160px;display:flex;align-items:center;justify-content:center;background:#eee;border-radius:4px;overflow:hidden}
            .thumb img{max-width:100%;max-height:100%}.icon{width:64px;height:64px;fill:none;stroke:#666;stroke-width:1.5}
            .body{min-width:0;flex:1}.name{display:inline;font-size:1rem;margin:0;overflow-wrap:anywhere}
            .badge{display:inline-block;color:#fff;border-radius:10px;padding:0 8px;font-size:.8rem;font-weight:600;vertical-align:2px}
            .badge.ok{background:var(--ok)}.badge.fixable{background:var(--fixable)}.badge.rejected{background:var(--rejected)}
            .v-ok{color:var(--ok)}.v-fixable{color:var(--fixable)}.v-rejected{color:var(--rejected)}
            .meta{color:#555;font-size:.85rem;margin:4px 0;overflow-wrap:anywhere}.findings{margin:4px 0;padding-left:18px;font-size:.85rem}
            .findings li{margin-bottom:3px}.findings li.rejected b{color:var(--rejected)}.findings li.fixable b{color:var(--fixable)}.findings small{color:#555}
            .level{font-size:.85rem;margin:4px 0}.level meter{width:120px;vertical-align:-2px}.note{font-size:.8rem;color:#555;margin:4px 0}
            .steps{font-size:.85rem;margin:4px 0}.steps span:not(:last-child):after{content:"; "}
            .code{display:inline-block;background:#fff;border:1px solid #ccc;border-radius:4px;padding:0 6px;margin:2px 0}
            @media (max-width:480px){.group{grid-template-columns:1fr}.thumb{width:88px;height:88px}.icon{width:40px;height:40px}}
            """

        /// Line icons, drawn once and referenced by every card without a thumbnail.
        static let icons = """
            <svg class="sprites" width="0" height="0" aria-hidden="true">
            <symbol id="i-document" viewBox="0 0 24 24"><path d="M6 2h8l4 4v16H6z"/><path d="M14 2v4h4M9 12h6M9 16h6"/></symbol>
            <symbol id="i-audio" viewBox="0 0 24 24"><path d="M9 18V5l10-2v13"/><circle cx="6" cy="18" r="3"/><circle cx="16" cy="16" r="3"/></symbol>
            <symbol id="i-video" viewBox="0 0 24 24"><rect x="2" y="5" width="14" height="14" rx="2"/><path d="M16 10l6-4v12l-6-4z"/></symbol>
            <symbol id="i-image" viewBox="0 0 24 24"><rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="9" cy="9" r="2"/><path d="M21 16l-5-5-11 10"/></symbol>
            <symbol id="i-link" viewBox="0 0 24 24"><path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1"/><path d="M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1"/></symbol>
            </svg>
            """
    }
}
