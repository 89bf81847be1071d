import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as A}from"./chunk-HXSC75IH.js";import{randomBytes as $}from"node:crypto";import{existsSync as L,readFileSync as N,writeFileSync as T}from"node:fs";import{join as R}from"node:path";var x="_changes.json";function O(){return $(8).toString("hex")}function K(t,e){let n=O(),r={parent:t?.version??null,version:n,changes:e};return{version:n,entries:[...t?.entries??[],r].slice(-64)}}var V=t=>`delta-${t}`;function Q(t,e,n){let r={parent:n.parent,version:n.version,changes:e},s=t!==null&&n.parent!==null&&t.version===n.parent?t.entries:[];return{version:n.version,entries:[...s,r].slice(-64)}}function X(t,e,n){return e===null?null:e===n?new Map:!t||t.version!==n?null:I(t,e)}function I(t,e){let n=new Map;if(t.version===e)return n;for(let r=t.entries.length-1;r>=0;r--){let s=t.entries[r];for(let[i,m]of Object.entries(s.changes)){let o=n.get(i);(o===void 0||m<o)&&n.set(i,m)}if(s.parent===e)return n;if(r>0&&t.entries[r-1].version!==s.parent)return null}return null}function Z(t){let e=R(t,x);return L(e)?C(N(e,"utf8")):null}function C(t){if(t===null)return null;try{let e=JSON.parse(t);return typeof e.version=="string"&&Array.isArray(e.entries)?e:null}catch{return null}}function z(t,e){T(R(t,x),`${JSON.stringify(e)}
`)}var F="0001-01-01";var v=t=>new Date(Date.parse(`${t}T00:00:00Z`)+864e5).toISOString().slice(0,10);function et(t){let{state:e,run:n,changes:r}=t,s=l=>({kind:"full",reason:l});if(t.full)return s("--full given");if(!e)return s("no stored state (first run here, or the last one was interrupted or older)");if(e.list!==n.list)return s(`the stored breadth is for symbol list ${e.list}`);if(e.sql!==n.sql)return s("sql/features.sql or sql/breadth.sql changed since the stored run");if(e.start!==n.start)return s(`--start ${n.start??"(none)"} differs from the stored run's ${e.start??"(none)"} (every bar_index moves)`);if(!D(e.featureFiles,t.featureFiles??[]))return s("the features table is not the one the stored state describes");if(!r)return s(e.prices===null?"the stored run read prices without a change log":"the prices changed beyond what their change log keeps");let i=e.end===n.end?null:v(j(e.end,n.end)??"9999-12-30"),m=new Set(e.symbols),o=new Set(n.symbols),c=[],p=null,y=l=>{(p===null||l<p)&&(p=l)};for(let l of[...o].sort()){if(!m.has(l)){c.push({symbol:l,tailStart:null,offset:0,keepFrom:F,append:!1});continue}let a=r.get(l)??null;if(a!==null&&n.end!==null&&a>n.end&&(a=null),a!==null&&n.start!==null&&a<n.start&&(a=n.start),i!==null&&(a===null||i<a)&&(a=i),a===null)continue;let S=e.stats[l];S&&a>S.last?c.push({symbol:l,tailStart:S.tailStart,offset:Math.max(0,S.bars-252),keepFrom:a,append:!0}):c.push({symbol:l,tailStart:null,offset:0,keepFrom:a,append:!1}),y(a)}let h=e.symbols.filter(l=>!o.has(l));for(let l of h){let a=e.stats[l];a&&y(a.first)}let E=c.filter(l=>!l.append).length;return E>0&&E>n.symbols.length*.5?s(`${E} of ${n.symbols.length} symbols changed history or are new to the run`):{kind:"incremental",recompute:c,removed:h,breadthFrom:p}}function j(t,e){return t===null?e:e===null||t<e?t:e}function D(t,e){return t.length===e.length&&t.every((n,r)=>n===e[r])}function nt(t){let e=(s,i,m=`${i}s`)=>`${s} ${s===1?i:m}`,n=t.recompute.filter(s=>!s.append).length,r=[`incremental: ${e(t.newDays,"new day")}, ${e(t.recompute.length,"symbol")} recomputed`];return n>0&&r.push(`${n} of them from their first bar`),t.removed.length>0&&r.push(`${e(t.removed.length,"symbol")} left the run`),r.push(t.reaggregatedFrom===null?"breadth unchanged":`breadth re-aggregated from ${t.reaggregatedFrom} (${e(t.reaggregatedDays,"day")})`),r.join(", ")}var w=16,H="BF_TAIL_FILES_MAX";function rt(t,e=process.env){let n=Number(e[H]),r=Number.isInteger(n)&&n>=1?n:w;return t.slow===0&&t.removed===0&&t.fast>0&&t.stored<r}function st(t,e,n,r,s){let i={},m=new Set([...n,...e.map(o=>o.symbol)]);for(let[o,c]of Object.entries(t.stats))m.has(o)||(i[o]=c);for(let o of e){let c=r[o.symbol];if(!c){s(o)&&(i[o.symbol]=t.stats[o.symbol]);continue}i[o.symbol]=o.tailStart===null?c:{...c,first:t.stats[o.symbol].first}}return i}import{existsSync as M,readFileSync as q}from"node:fs";import{join as d}from"node:path";import{fileURLToPath as B}from"node:url";function W(){let t=B(new URL(".",import.meta.url)),e=[d(t,"..","..","sql"),d(t,"sql"),d(t,"..","sql")],n=process.env.BF_SQL_DIR;return n?[n,...e]:e}function b(t){let e=W();for(let n of e){let r=d(n,`${t}.sql`);if(M(r))return q(r,"utf8").trim().replace(/;\s*$/,"")}throw new A(`cannot find ${t}.sql`,{hint:`looked in ${e.join(", ")}; set BF_SQL_DIR to the directory holding the bf SQL files`})}import{createHash as G}from"node:crypto";function St(){return G("sha256").update(b("features")).update("\0").update(b("breadth")).digest("hex").slice(0,16)}function dt(t){let e=t.replace(/--[^\n]*/g,""),n=/^\s*(SELECT\b[\s\S]*?)^FROM \($([\s\S]*)^\) w\s*$/m.exec(e);if(!n)return null;for(let r of U)if(!new RegExp(`\\bAS ${r}\\b`).test(n[2]))return null;return n[1].trimEnd()}var U=["price_dec","prev_adj_close","bar_index","sum50","sum200","max252","min252"];function ft(t,e){let n=r=>`CAST(${r} AS DECIMAL(18, 6))`;return`SELECT n.symbol, any_value(n.date) AS date, any_value(n.adj_close) AS adj_close,
    ${n("any_value(n.adj_close)")} AS price_dec,
    max_by(h.adj_close, h.pos) FILTER (WHERE h.pos < n.pos) AS prev_adj_close,
    n.pos AS bar_index,
    sum(${n("h.adj_close")}) FILTER (WHERE h.pos > n.pos - 50) AS sum50,
    sum(${n("h.adj_close")}) FILTER (WHERE h.pos > n.pos - 200) AS sum200,
    max(${n("h.adj_close")}) FILTER (WHERE h.pos < n.pos) AS max252,
    min(${n("h.adj_close")}) FILTER (WHERE h.pos < n.pos) AS min252,
    min(h.date) FILTER (WHERE h.pos > n.pos - ${252}) AS tail_start
  FROM ${t} n JOIN ${e} h
    ON h.symbol = n.symbol AND h.pos BETWEEN n.pos - ${252} AND n.pos
  GROUP BY n.symbol, n.pos`}function Et(t,e){return`SELECT p.symbol, p.date, p.adj_close,
      c.bars + row_number() OVER (PARTITION BY p.symbol ORDER BY p.date) AS pos,
      count(*) OVER (PARTITION BY p.symbol) AS k
    FROM ${t} p
    JOIN ${e} c ON p.symbol = c.symbol AND c.fast AND p.date >= c.keep_from`}function bt(t){return`SELECT symbol, max(bar_index) AS bars, CAST(max(date) AS STRING) AS last,
      CAST(max_by(tail_start, bar_index) AS STRING) AS tail_start,
      count(*) AS new_bars, CAST(min(date) AS STRING) AS first_new
    FROM ${t} GROUP BY symbol`}function yt(t){return`SELECT symbol, max(bar_index) AS bars, min(date) AS first FROM ${t} GROUP BY symbol`}function ht(t,e){return`SELECT f.symbol, f.date, f.adj_close, f.bar_index AS pos FROM ${t} f
    JOIN ${e} s ON f.symbol = s.symbol AND f.bar_index > s.bars - ${252}`}function At(t,e){return`SELECT s.symbol, s.bars, CAST(s.first AS STRING) AS first,
      CAST(max(t.date) AS STRING) AS last, CAST(min(t.date) AS STRING) AS tail_start
    FROM ${t} s JOIN ${e} t ON t.symbol = s.symbol GROUP BY s.symbol, s.bars, s.first`}function _t(t){return`(SELECT t.symbol, t.date, t.adj_close, t.pos FROM ${t} t
    JOIN (SELECT symbol, max(pos) AS bars FROM ${t} GROUP BY symbol) s
      ON t.symbol = s.symbol AND t.pos > s.bars - ${252})`}function Rt(t,e){return`SELECT count(*) AS days, sum(CASE WHEN b.date IS NULL THEN 1 ELSE 0 END) AS fresh
    FROM ${t} t LEFT JOIN (SELECT DISTINCT date FROM ${e}) b ON t.date = b.date`}function xt(t){let e={};for(let n of t)e[String(n.symbol)]={bars:Number(n.bars),first:String(n.first),last:String(n.last),tailStart:String(n.tail_start)};return e}var $t="symbol, pos, adj_close, sum49, sum199, max252, min252, leave252",u=t=>`CAST(${t} AS DECIMAL(18, 6))`,f=t=>`CAST(${t} AS DECIMAL(38, 6))`;function Lt(t){return`SELECT h.symbol, s.last AS pos,
    any_value(h.adj_close) FILTER (WHERE h.pos = s.last) AS adj_close,
    ${f(`coalesce(sum(${u("h.adj_close")}) FILTER (WHERE h.pos > s.last - 49), 0)`)} AS sum49,
    ${f(`coalesce(sum(${u("h.adj_close")}) FILTER (WHERE h.pos > s.last - 199), 0)`)} AS sum199,
    max(${u("h.adj_close")}) AS max252,
    min(${u("h.adj_close")}) AS min252,
    any_value(${u("h.adj_close")}) FILTER (WHERE h.pos = s.last - ${251}) AS leave252
  FROM ${t} h JOIN (SELECT symbol, max(pos) AS last FROM ${t} GROUP BY symbol) s
    ON h.symbol = s.symbol AND h.pos > s.last - ${252}
  GROUP BY h.symbol, s.last`}function Nt(t,e){return`SELECT n.symbol, n.date, n.adj_close, n.pos, r.adj_close AS last_close, r.sum49, r.sum199,
    r.max252, r.min252, r.leave252 IS NOT NULL AND (r.leave252 = r.max252 OR r.leave252 = r.min252) AS rescan
  FROM ${t} n JOIN ${e} r ON r.symbol = n.symbol AND r.pos = n.pos - 1
  WHERE n.k = 1`}function Tt(t,e){let n=251;return`SELECT r.symbol,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - 49) AS out49,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - 199) AS out199,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - ${n}) AS leave252,
    any_value(t.date) FILTER (WHERE t.pos = greatest(r.pos - ${n}, 1)) AS tail_start,
    max(${u("t.adj_close")}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${n}) AS rest_max,
    min(${u("t.adj_close")}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${n}) AS rest_min
  FROM ${t} t JOIN ${e} r ON t.symbol = r.symbol
    AND (t.pos IN (r.pos - 49, r.pos - 199, greatest(r.pos - ${n}, 1)) OR (r.rescan AND t.pos >= r.pos - ${n}))
  GROUP BY r.symbol`}function Ot(t,e){return`SELECT r.symbol, r.date, r.adj_close, ${u("r.adj_close")} AS price_dec, r.last_close AS prev_adj_close,
    r.pos AS bar_index,
    r.sum49 + coalesce(${u("r.adj_close")}, 0) AS sum50,
    r.sum199 + coalesce(${u("r.adj_close")}, 0) AS sum200,
    r.max252, r.min252, o.tail_start
  FROM ${t} r JOIN ${e} o USING (symbol)`}function It(t,e){let n=u("r.adj_close");return`SELECT r.symbol, r.pos, r.adj_close,
    ${f(`r.sum49 + coalesce(${n}, 0) - coalesce(o.out49, 0)`)} AS sum49,
    ${f(`r.sum199 + coalesce(${n}, 0) - coalesce(o.out199, 0)`)} AS sum199,
    greatest(CASE WHEN r.rescan THEN o.rest_max ELSE r.max252 END, ${n}) AS max252,
    least(CASE WHEN r.rescan THEN o.rest_min ELSE r.min252 END, ${n}) AS min252,
    o.leave252
  FROM ${t} r JOIN ${e} o USING (symbol)`}export{x as a,K as b,V as c,Q as d,X as e,I as f,Z as g,C as h,z as i,F as j,et as k,nt as l,rt as m,st as n,b as o,St as p,dt as q,ft as r,Et as s,bt as t,yt as u,ht as v,At as w,_t as x,Rt as y,xt as z,$t as A,Lt as B,Nt as C,Tt as D,Ot as E,It as F};
