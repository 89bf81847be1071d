import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as A}from"./chunk-TECHN2FH.js";import{randomBytes as $}from"node:crypto";import{existsSync as N,readFileSync as L,writeFileSync as T}from"node:fs";import{join as R}from"node:path";var x="_changes.json";function I(){return $(8).toString("hex")}function Q(t,e){let n=I(),r={parent:t?.version??null,version:n,changes:e};return{version:n,entries:[...t?.entries??[],r].slice(-64)}}var X=t=>`delta-${t}`;function Z(t,e,n){let r={parent:n.parent,version:n.version,changes:e},s=t!==null&&n.parent!==null&&t.version===n.parent?t.entries:[];return{version:n.version,entries:[...s,r].slice(-64)}}function z(t,e,n){return e===null?null:e===n?new Map:!t||t.version!==n?null:O(t,e)}function O(t,e){let n=new Map;if(t.version===e)return n;for(let r=t.entries.length-1;r>=0;r--){let s=t.entries[r];for(let[o,m]of Object.entries(s.changes)){let l=n.get(o);(l===void 0||m<l)&&n.set(o,m)}if(s.parent===e)return n;if(r>0&&t.entries[r-1].version!==s.parent)return null}return null}function tt(t){let e=R(t,x);return N(e)?C(L(e,"utf8")):null}function C(t){if(t===null)return null;try{let e=JSON.parse(t);return typeof e.version=="string"&&Array.isArray(e.entries)?e:null}catch{return null}}function et(t,e){T(R(t,x),`${JSON.stringify(e)}
`)}var F="0001-01-01";var v=t=>new Date(Date.parse(`${t}T00:00:00Z`)+864e5).toISOString().slice(0,10);function rt(t){let{state:e,run:n,changes:r}=t,s=a=>({kind:"full",reason:a});if(t.full)return s("--full given");if(!e)return s("no stored state (first run here, or the last one was interrupted or older)");if(e.list!==n.list)return s(`the stored breadth is for symbol list ${e.list}`);if(e.sql!==n.sql)return s("sql/features.sql or sql/breadth.sql changed since the stored run");if(e.start!==n.start)return s(`--start ${n.start??"(none)"} differs from the stored run's ${e.start??"(none)"} (every bar_index moves)`);if(!D(e.featureFiles,t.featureFiles??[]))return s("the features table is not the one the stored state describes");if(!r)return s(e.prices===null?"the stored run read prices without a change log":"the prices changed beyond what their change log keeps");let o=e.end===n.end?null:v(j(e.end,n.end)??"9999-12-30"),m=new Set(e.symbols),l=new Set(n.symbols),c=[],p=null,y=a=>{(p===null||a<p)&&(p=a)};for(let a of[...l].sort()){if(!m.has(a)){c.push({symbol:a,tailStart:null,offset:0,keepFrom:F,append:!1});continue}let i=r.get(a)??null;if(i!==null&&n.end!==null&&i>n.end&&(i=null),i!==null&&n.start!==null&&i<n.start&&(i=n.start),o!==null&&(i===null||o<i)&&(i=o),i===null)continue;let S=e.stats[a];S&&i>S.last?c.push({symbol:a,tailStart:S.tailStart,offset:Math.max(0,S.bars-252),keepFrom:i,append:!0}):c.push({symbol:a,tailStart:null,offset:0,keepFrom:i,append:!1}),y(i)}let h=e.symbols.filter(a=>!l.has(a));for(let a of h){let i=e.stats[a];i&&y(i.first)}let E=c.filter(a=>!a.append).length;return E>0&&E>n.symbols.length*.5?s(`${E} of ${n.symbols.length} symbols changed history or are new to the run`):{kind:"incremental",recompute:c,removed:h,breadthFrom:p}}function j(t,e){return t===null?e:e===null||t<e?t:e}function D(t,e){return t.length===e.length&&t.every((n,r)=>n===e[r])}function st(t){let e=(s,o,m=`${o}s`)=>`${s} ${s===1?o:m}`,n=t.recompute.filter(s=>!s.append).length,r=[`incremental: ${e(t.newDays,"new day")}, ${e(t.recompute.length,"symbol")} recomputed`];return n>0&&r.push(`${n} of them from their first bar`),t.removed.length>0&&r.push(`${e(t.removed.length,"symbol")} left the run`),r.push(t.reaggregatedFrom===null?"breadth unchanged":`breadth re-aggregated from ${t.reaggregatedFrom} (${e(t.reaggregatedDays,"day")})`),r.join(", ")}var w=16,M="BF_TAIL_FILES_MAX";function ot(t,e=process.env){let n=Number(e[M]),r=Number.isInteger(n)&&n>=1?n:w;return t.slow===0&&t.removed===0&&t.fast>0&&t.stored<r}function lt(t,e,n,r,s){let o={},m=new Set([...n,...e.map(l=>l.symbol)]);for(let[l,c]of Object.entries(t.stats))m.has(l)||(o[l]=c);for(let l of e){let c=r[l.symbol];if(!c){s(l)&&(o[l.symbol]=t.stats[l.symbol]);continue}o[l.symbol]=l.tailStart===null?c:{...c,first:t.stats[l.symbol].first}}return o}import{existsSync as q,readFileSync as H}from"node:fs";import{join as d}from"node:path";import{fileURLToPath as W}from"node:url";function B(){let t=W(new URL(".",import.meta.url)),e=[d(t,"..","..","sql"),d(t,"sql"),d(t,"..","sql")],n=process.env.BF_SQL_DIR;return n?[n,...e]:e}function b(t){let e=B();for(let n of e){let r=d(n,`${t}.sql`);if(q(r))return H(r,"utf8").trim().replace(/;\s*$/,"")}throw new A(`cannot find ${t}.sql`,{hint:`looked in ${e.join(", ")}; set BF_SQL_DIR to the directory holding the bf SQL files`})}import{createHash as U}from"node:crypto";function ft(){return U("sha256").update(b("features")).update("\0").update(b("breadth")).digest("hex").slice(0,16)}function Et(t){let e=t.replace(/--[^\n]*/g,""),n=/^\s*(SELECT\b[\s\S]*?)^FROM \($([\s\S]*)^\) w\s*$/m.exec(e);if(!n)return null;for(let r of G)if(!new RegExp(`\\bAS ${r}\\b`).test(n[2]))return null;return n[1].trimEnd()}var G=["price_dec","prev_adj_close","bar_index","sum50","sum200","max252","min252"];function bt(t,e){let n=r=>`CAST(${r} AS DECIMAL(18, 6))`;return`SELECT n.symbol, any_value(n.date) AS date, any_value(n.adj_close) AS adj_close,
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
  GROUP BY n.symbol, n.pos`}function yt(t,e){return`SELECT p.symbol, p.date, p.adj_close,
      c.bars + row_number() OVER (PARTITION BY p.symbol ORDER BY p.date) AS pos,
      count(*) OVER (PARTITION BY p.symbol) AS k
    FROM ${t} p
    JOIN ${e} c ON p.symbol = c.symbol AND c.fast AND p.date >= c.keep_from`}function ht(t){return`SELECT symbol, max(bar_index) AS bars, CAST(max(date) AS STRING) AS last,
      CAST(max_by(tail_start, bar_index) AS STRING) AS tail_start,
      count(*) AS new_bars, CAST(min(date) AS STRING) AS first_new
    FROM ${t} GROUP BY symbol`}function At(t){return`SELECT symbol, max(bar_index) AS bars, min(date) AS first FROM ${t} GROUP BY symbol`}function _t(t,e){return`SELECT f.symbol, f.date, f.adj_close, f.bar_index AS pos FROM ${t} f
    JOIN ${e} s ON f.symbol = s.symbol AND f.bar_index > s.bars - ${252}`}function Rt(t,e){return`SELECT s.symbol, s.bars, CAST(s.first AS STRING) AS first,
      CAST(max(t.date) AS STRING) AS last, CAST(min(t.date) AS STRING) AS tail_start
    FROM ${t} s JOIN ${e} t ON t.symbol = s.symbol GROUP BY s.symbol, s.bars, s.first`}function xt(t){return`(SELECT t.symbol, t.date, t.adj_close, t.pos FROM ${t} t
    JOIN (SELECT symbol, max(pos) AS bars FROM ${t} GROUP BY symbol) s
      ON t.symbol = s.symbol AND t.pos > s.bars - ${252})`}function $t(t,e){return`SELECT count(*) AS days, sum(CASE WHEN b.date IS NULL THEN 1 ELSE 0 END) AS fresh
    FROM ${t} t LEFT JOIN (SELECT DISTINCT date FROM ${e}) b ON t.date = b.date`}function Nt(t){let e={};for(let n of t)e[String(n.symbol)]={bars:Number(n.bars),first:String(n.first),last:String(n.last),tailStart:String(n.tail_start)};return e}var Lt="symbol, pos, adj_close, sum49, sum199, max252, min252, leave252",u=t=>`CAST(${t} AS DECIMAL(18, 6))`,f=t=>`CAST(${t} AS DECIMAL(38, 6))`;function Tt(t){return`SELECT h.symbol, s.last AS pos,
    any_value(h.adj_close) FILTER (WHERE h.pos = s.last) AS adj_close,
    ${f(`coalesce(sum(${u("h.adj_close")}) FILTER (WHERE h.pos > s.last - 49), 0)`)} AS sum49,
    ${f(`coalesce(sum(${u("h.adj_close")}) FILTER (WHERE h.pos > s.last - 199), 0)`)} AS sum199,
    max(${u("h.adj_close")}) AS max252,
    min(${u("h.adj_close")}) AS min252,
    any_value(${u("h.adj_close")}) FILTER (WHERE h.pos = s.last - ${251}) AS leave252
  FROM ${t} h JOIN (SELECT symbol, max(pos) AS last FROM ${t} GROUP BY symbol) s
    ON h.symbol = s.symbol AND h.pos > s.last - ${252}
  GROUP BY h.symbol, s.last`}function It(t,e){return`SELECT n.symbol, n.date, n.adj_close, n.pos, r.adj_close AS last_close, r.sum49, r.sum199,
    r.max252, r.min252, r.leave252 IS NOT NULL AND (r.leave252 = r.max252 OR r.leave252 = r.min252) AS rescan
  FROM ${t} n JOIN ${e} r ON r.symbol = n.symbol AND r.pos = n.pos - 1
  WHERE n.k = 1`}function Ot(t,e){let n=251;return`SELECT r.symbol,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - 49) AS out49,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - 199) AS out199,
    any_value(${u("t.adj_close")}) FILTER (WHERE t.pos = r.pos - ${n}) AS leave252,
    any_value(t.date) FILTER (WHERE t.pos = greatest(r.pos - ${n}, 1)) AS tail_start,
    max(${u("t.adj_close")}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${n}) AS rest_max,
    min(${u("t.adj_close")}) FILTER (WHERE r.rescan AND t.pos >= r.pos - ${n}) AS rest_min
  FROM ${t} t JOIN ${e} r ON t.symbol = r.symbol
    AND (t.pos IN (r.pos - 49, r.pos - 199, greatest(r.pos - ${n}, 1)) OR (r.rescan AND t.pos >= r.pos - ${n}))
  GROUP BY r.symbol`}function Ct(t,e){return`SELECT r.symbol, r.date, r.adj_close, ${u("r.adj_close")} AS price_dec, r.last_close AS prev_adj_close,
    r.pos AS bar_index,
    r.sum49 + coalesce(${u("r.adj_close")}, 0) AS sum50,
    r.sum199 + coalesce(${u("r.adj_close")}, 0) AS sum200,
    r.max252, r.min252, o.tail_start
  FROM ${t} r JOIN ${e} o USING (symbol)`}function Ft(t,e){let n=u("r.adj_close");return`SELECT r.symbol, r.pos, r.adj_close,
    ${f(`r.sum49 + coalesce(${n}, 0) - coalesce(o.out49, 0)`)} AS sum49,
    ${f(`r.sum199 + coalesce(${n}, 0) - coalesce(o.out199, 0)`)} AS sum199,
    greatest(CASE WHEN r.rescan THEN o.rest_max ELSE r.max252 END, ${n}) AS max252,
    least(CASE WHEN r.rescan THEN o.rest_min ELSE r.min252 END, ${n}) AS min252,
    o.leave252
  FROM ${t} r JOIN ${e} o USING (symbol)`}function k(t){return`'${t.replaceAll("'","''")}'`}function jt(t){return`"${t.replaceAll('"','""')}"`}function Dt(t){return`read_parquet([${t.map(k).join(", ")}])`}var wt="FORMAT parquet, COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 10000",P=/^(\d{4})-(\d{2})-(\d{2})$/;function Mt(t){let e=P.exec(t);if(!e)return null;let n=Number(e[1]),r=Number(e[2]),s=Number(e[3]),o=new Date(0);return o.setUTCFullYear(n,r-1,s),o.getUTCFullYear()!==n||o.getUTCMonth()!==r-1||o.getUTCDate()!==s?null:o.getTime()/864e5}export{x as a,Q as b,X as c,Z as d,z as e,O as f,tt as g,C as h,et as i,F as j,rt as k,st as l,ot as m,lt as n,b as o,ft as p,Et as q,bt as r,yt as s,ht as t,At as u,_t as v,Rt as w,xt as x,$t as y,Nt as z,Lt as A,Tt as B,It as C,Ot as D,Ct as E,Ft as F,k as G,jt as H,Dt as I,wt as J,Mt as K};
