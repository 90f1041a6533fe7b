--[[
raw-html-as-text.lua: raw HTML in an answer is text, never markup (as on the site).

The site renders answers with remark and escapes raw HTML, so `<script>alert(1)</script>`
written in an answer shows as those characters. Pandoc's commonmark/gfm readers keep raw HTML
even with `-raw_html`, so this filter turns every raw HTML element back into plain text.
Requires pandoc 2.17 or later. Sample: tests/raw-html-as-text.md -> tests/raw-html-as-text.html
]]

local function is_html(format)
  return format == 'html' or format == 'html4' or format == 'html5'
end

function RawInline(el)
  if is_html(el.format) then
    return pandoc.Str(el.text)
  end
end

function RawBlock(el)
  if is_html(el.format) then
    return pandoc.Para({pandoc.Str(el.text)})
  end
end
