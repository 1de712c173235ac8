import WabaMedia

/// The inbox's templates, parsed once. Every value goes in as `{{{x}}}` and is escaped by
/// ``HTMLTemplates/render(_:_:)`` with ``HTMLEscaping`` (byte by byte, so no combining character can
/// shield a `<` or a `"`): captions, names and ids from requests are always text. The style sheet
/// and the script are files of their own (`/inbox.css`, `/inbox.js`), so the page's policy allows
/// no inline script or style at all.
enum InboxTemplates {
    // The templates are constants of this file: a refusal or a parse error is a bug that every test would catch.
    static let library = try! HTMLTemplates([
        ("page", page), ("item", item), ("pane", pane), ("bubble", bubble), ("rehearsal", rehearsal),
    ])

    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="{{{policy}}}">
        <title>wamedia sandbox inbox</title>
        <link rel="stylesheet" href="/inbox.css">
        </head>
        <body data-last-sequence="{{{lastSequence}}}">
        <header><h1>wamedia sandbox</h1><p>What recipients would see. API: <code>{{{apiURL}}}</code> · <span id="live">connecting…</span></p></header>
        <!-- What the sandbox answered (a campaign rehearsal's progress), kept current by the live stream. -->
        <section id="rehearsal">{{#rehearsal}}{{> rehearsal}}{{/rehearsal}}</section>
        <div class="layout">
        <aside><h2>Conversations</h2><ul id="conversations">{{#conversations}}{{> item}}{{/conversations}}</ul>{{#empty}}<p id="empty" class="hint">Nothing received yet: send something to the API above.</p>{{/empty}}</aside>
        <main id="panes">{{#conversations}}{{> pane}}{{/conversations}}</main>
        </div>
        <script src="/inbox.js"></script>
        </body>
        </html>

        """

    static let item = """
        <li><a href="#{{{id}}}" data-conversation="{{{id}}}"{{#selected}} class="selected"{{/selected}}><b>{{{label}}}</b><small class="last">{{{last}}}</small></a></li>
        """

    static let pane = """
        <section class="pane{{#selected}} selected{{/selected}}" id="{{{id}}}"><h2>{{{label}}}</h2><ol class="messages">{{#messages}}{{> bubble}}{{/messages}}</ol></section>
        """

    static let bubble = """
        <li class="bubble{{^delivered}} refused{{/delivered}}" data-message-id="{{{messageID}}}" data-sequence="{{{sequence}}}">
        {{#image}}<img class="media" src="{{{src}}}" alt="{{{fileName}}}">{{/image}}{{#video}}<video class="media" src="{{{src}}}#t=0.1" controls preload="metadata"{{#poster}} poster="{{{.}}}"{{/poster}}></video>{{/video}}{{#audio}}<div class="audio"><audio class="media" src="{{{src}}}" controls preload="metadata"></audio><span class="duration">{{{duration}}}</span></div>{{#level}}<p class="level"><meter min="{{{min}}}" max="0" value="{{{value}}}" aria-label="mean level"></meter> {{{text}}}</p>{{/level}}{{/audio}}{{#note}}<p class="hint preview-note">{{{.}}}</p>{{/note}}{{#document}}<a class="document media" href="{{{src}}}" download="{{{name}}}"><span class="doc-icon">{{{label}}}</span><span><b>{{{name}}}</b><small>{{{size}}}</small></span></a>{{/document}}{{#link}}<p class="link">Media by URL, not fetched by the sandbox: <code>{{{.}}}</code></p>{{/link}}{{#notKept}}<p class="hint">Media not kept: start the sandbox with <code>--store DIR</code> to see it.</p>{{/notKept}}{{^delivered}}<p class="refusal">Not delivered ({{{status}}}): {{{reason}}}</p>{{/delivered}}
        {{#hasCaption}}<p class="caption">{{{caption}}}</p>{{/hasCaption}}
        {{#hasFindings}}<ul class="findings">{{#findings}}<li class="{{{severity}}}">{{{lead}}}: <b>{{{code}}}</b> {{{message}}}<br><small>{{{hint}}}</small></li>{{/findings}}</ul>{{/hasFindings}}
        <p class="meta"><time datetime="{{{timestamp}}}">{{{time}}}</time> · <span class="facts">{{{facts}}}</span>{{#messageID}} · <code class="message-id">{{{.}}}</code>{{/messageID}}</p>
        </li>
        """

    static let rehearsal = """
        <h2>Sends answered</h2><p class="counts">{{#counts}}<span class="state" data-state="{{{key}}}">{{{label}}} <b>{{{count}}}</b></span> {{/counts}}</p>{{#hasFailures}}<table class="failures"><caption>Last failures</caption><thead><tr><th>time</th><th>status</th><th>contact</th><th>reason</th></tr></thead><tbody>{{#failures}}<tr><td><time datetime="{{{timestamp}}}">{{{time}}}</time></td><td class="status">{{{status}}}</td><td class="recipient">{{{recipient}}}</td><td class="reason">{{{reason}}}</td></tr>{{/failures}}</tbody></table>{{/hasFailures}}
        """

    static let style = """
        :root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#efeae2}
        body{margin:0;height:100vh;display:flex;flex-direction:column}header{flex:none;background:#075e54;color:#fff;padding:8px 16px}header h1{font-size:1.2rem;margin:0}header p{margin:2px 0;font-size:.85rem;overflow-wrap:anywhere}header code{color:#d9fdd3}
        #rehearsal:empty{display:none}#rehearsal{flex:none;background:#fff;margin:6px 8px;padding:6px 12px;border-radius:6px}#rehearsal h2{display:inline;font-size:.95rem;margin:0 14px 0 0}.counts{display:inline;margin:0}.state{display:inline-block;margin-right:10px}
        .failures{border-collapse:collapse;font-size:.8rem;width:100%;margin-top:4px}.failures caption{text-align:left;color:#555}.failures td,.failures th{text-align:left;padding:1px 8px 1px 0;vertical-align:top}.failures .reason{overflow-wrap:anywhere}#rehearsal{max-height:30vh;overflow-y:auto}
        .layout{display:flex;flex:1;min-height:0}aside{flex:0 0 300px;background:#fff;border-right:1px solid #ddd;overflow-y:auto}aside h2{font-size:.9rem;margin:10px 12px;color:#555}
        #conversations{list-style:none;margin:0;padding:0}#conversations a{display:block;padding:10px 12px;border-bottom:1px solid #eee;color:inherit;text-decoration:none;overflow-wrap:anywhere}
        #conversations a.selected{background:#e7f3ef}#conversations small{display:block;color:#666;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        main{flex:1;min-width:0;overflow-y:auto;padding:8px 16px}.pane{display:none}.pane.selected{display:block}.pane h2{font-size:1rem;color:#444;overflow-wrap:anywhere}
        .messages{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:8px}
        .bubble{align-self:flex-end;max-width:min(420px,88%);background:#d9fdd3;border-radius:8px;padding:6px;box-shadow:0 1px 1px rgba(0,0,0,.15)}
        .bubble.refused{background:#fde2e1}.media{display:block;max-width:100%;border-radius:6px}img.media,video.media{max-height:260px}
        .audio{display:flex;align-items:center;gap:6px}.audio audio{min-width:0;flex:1}.level{margin:4px 2px;font-size:.8rem;color:#444}.level meter{width:110px;vertical-align:-2px}
        .document{display:flex;gap:10px;align-items:center;background:#f4f7f6;padding:8px;color:inherit;text-decoration:none}
        .doc-icon{flex:0 0 auto;width:44px;height:52px;border-radius:4px;background:#c0392b;color:#fff;font-weight:700;font-size:.75rem;display:flex;align-items:center;justify-content:center}
        .document small{display:block;color:#555}.caption{margin:6px 2px;white-space:pre-wrap;overflow-wrap:anywhere}
        .findings{margin:4px 0;padding-left:18px;font-size:.8rem}.findings .rejected,.findings .fixable{color:#b3261e}.findings small{color:#555}
        .meta{margin:2px;font-size:.72rem;color:#555;overflow-wrap:anywhere}.refusal{color:#b3261e;margin:4px 2px}.hint,.link{color:#555;font-size:.85rem;overflow-wrap:anywhere}
        @media (max-width:640px){.layout{flex-direction:column}aside{flex:none;border-right:none;border-bottom:1px solid #ddd;max-height:35vh}main{padding:8px}}
        """

    /// Selecting a conversation, and inserting what the live stream brings: fragments the server
    /// rendered (and escaped) from the same templates as the page, and text set as `textContent`.
    static let script = """
        (function(){
        var list=document.getElementById('conversations'),panes=document.getElementById('panes'),live=document.getElementById('live');
        function select(id){
          document.querySelectorAll('.pane').forEach(function(p){p.classList.toggle('selected',p.id===id);});
          list.querySelectorAll('a').forEach(function(a){a.classList.toggle('selected',a.dataset.conversation===id);});
          var p=document.getElementById(id);if(p){var m=p.querySelector('.messages');if(m&&m.lastElementChild)p.parentNode.scrollTop=p.parentNode.scrollHeight;}
        }
        list.addEventListener('click',function(e){var a=e.target.closest('a[data-conversation]');if(!a)return;e.preventDefault();select(a.dataset.conversation);history.replaceState(null,'','#'+a.dataset.conversation);});
        var shown=location.hash.length>1&&document.getElementById(location.hash.slice(1))?location.hash.slice(1):(document.querySelector('.pane.selected')||{}).id;
        if(shown)select(shown);
        window.addEventListener('load',function(){var p=document.querySelector('.pane.selected');if(p)select(p.id);});
        if(!window.EventSource){live.textContent='live updates need a newer browser';return;}
        var source=new EventSource('/inbox/events?after='+document.body.dataset.lastSequence);
        source.onopen=function(){live.textContent='live';};
        source.onerror=function(){live.textContent='reconnecting…';};
        source.addEventListener('message',function(e){
          var m=JSON.parse(e.data),pane=document.getElementById(m.conversation),empty=document.getElementById('empty');
          if(empty)empty.remove();
          var first=!document.querySelector('.pane');
          if(!pane){list.insertAdjacentHTML('afterbegin',m.item);panes.insertAdjacentHTML('beforeend',m.pane);pane=document.getElementById(m.conversation);}
          else{pane.querySelector('.messages').insertAdjacentHTML('beforeend',m.bubble);var a=list.querySelector('a[data-conversation="'+CSS.escape(m.conversation)+'"]');if(a){a.querySelector('.last').textContent=m.last;list.prepend(a.parentNode);}}
          if(first||pane.classList.contains('selected'))select(m.conversation);
        });
        source.addEventListener('rehearsal',function(e){document.getElementById('rehearsal').innerHTML=JSON.parse(e.data).html;});
        })();
        """
}
